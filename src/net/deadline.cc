#include "net/deadline.h"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hermes::net {

int PollSliceMs(const Deadline& d) {
  const Duration left = std::clamp<Duration>(d.Remaining(), Duration::zero(), kPollSlice);
  // Round up so a sub-millisecond remainder still waits instead of spinning.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

Status ExpiredStatus(const Deadline& d, const std::string& what) {
  return Status(StatusCode::kDeadlineExceeded,
                what + (d.Cancelled() ? ": cancelled" : ": timed out"));
}

Result<short> WaitFd(int fd, short events, const Deadline& d) {
  while (true) {
    if (d.Expired()) return ExpiredStatus(d, "waiting for socket");
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, PollSliceMs(d));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("poll: ") + std::strerror(errno));
    }
    if (n > 0) return p.revents;
  }
}

}  // namespace hermes::net
