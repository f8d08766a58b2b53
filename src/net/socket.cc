#include "net/socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hermes::net {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    Reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

Status ConnectError(const SocketAddress& addr, int err) {
  return Status::Unavailable("connect " + addr.ToString() + ": " + std::strerror(err));
}

class TcpDialer final : public Dialer {
 public:
  Result<Duration> ConnectOnce(const SocketAddress& addr, const PathOptions& path,
                               const Deadline& d) override {
    if (d.Expired()) return ExpiredStatus(d, "connect " + addr.ToString());
    UniqueFd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return Status::Internal(std::string("socket: ") + std::strerror(errno));
    HERMES_RETURN_IF_ERROR(BindToPath(fd.get(), path).WithContext("connect " + addr.ToString()));

    const SteadyTime start = d.clock.SteadyNow();
    int rc;
    do {
      rc = ::connect(fd.get(), addr.get(), addr.len);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) return ConnectError(addr, errno);
    if (rc < 0) {
      auto revents = WaitFd(fd.get(), POLLOUT, d);
      if (!revents.ok()) return revents.status().WithContext("connect " + addr.ToString());
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err != 0) return ConnectError(addr, err);
    }
    return Duration(d.clock.SteadyNow() - start);
  }
};

}  // namespace

std::unique_ptr<Dialer> NewTcpDialer() { return std::make_unique<TcpDialer>(); }

}  // namespace hermes::net
