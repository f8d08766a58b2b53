#include "net/ares_channel.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace hermes::net {

Result<AresChannel> AresChannel::Create(ares_options& opts, int optmask) {
  ares_channel c = nullptr;
  const int rc = ares_init_options(&c, &opts, optmask);
  if (rc != ARES_SUCCESS) {
    return Status::Unavailable(std::string("c-ares init: ") + ares_strerror(rc));
  }
  return AresChannel(c);
}

AresChannel::AresChannel(AresChannel&& o) noexcept : channel_(std::exchange(o.channel_, nullptr)) {}

AresChannel::~AresChannel() {
  if (channel_ != nullptr) ares_destroy(channel_);
}

Status AresChannel::Run(const bool& done, const Deadline& d) {
  while (!done) {
    if (d.Expired()) {
      ares_cancel(channel_);
      return ExpiredStatus(d, "dns");
    }
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int mask = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
    pollfd pfds[ARES_GETSOCK_MAXNUM];
    int n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(mask, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(mask, i)) ev |= POLLOUT;
      if (ev == 0) continue;
      pfds[n++] = pollfd{socks[i], ev, 0};
    }
    // Wake for c-ares' own retry timer, our deadline, or the cancellation check.
    const int slice_ms = PollSliceMs(d);
    timeval max_tv{slice_ms / 1000, (slice_ms % 1000) * 1000};
    timeval tv{};
    ares_timeout(channel_, &max_tv, &tv);
    const int wait_ms = static_cast<int>(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
    const int ready = ::poll(pfds, n, wait_ms);
    if (ready < 0 && errno != EINTR) {
      ares_cancel(channel_);
      return Status::Internal(std::string("poll: ") + std::strerror(errno));
    }
    if (ready <= 0) {
      ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timers only
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (pfds[i].revents == 0) continue;
      const bool readable = pfds[i].revents & (POLLIN | POLLERR | POLLHUP);
      const bool writable = pfds[i].revents & (POLLOUT | POLLERR);
      ares_process_fd(channel_, readable ? pfds[i].fd : ARES_SOCKET_BAD,
                      writable ? pfds[i].fd : ARES_SOCKET_BAD);
    }
  }
  return Status::Ok();
}

int AresTimeoutMs(Duration remaining, int tries) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(remaining).count();
  const long long rounds = (1LL << std::clamp(tries, 1, 20)) - 1;
  return static_cast<int>(std::clamp<long long>(ms / rounds, 1, 60'000));
}

}  // namespace hermes::net
