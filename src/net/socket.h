// Socket adapters: an owning file descriptor and the TCP Dialer the tcp probe uses.
//
// Dialer is a small interface so probes can take a fake in tests. The system
// implementation opens a non-blocking socket, binds it to the probe's path
// (net/path.h), connects, waits for writability with
// WaitFd (so it honours the deadline and polls cancellation every 100 ms), checks
// SO_ERROR and closes the connection at once; no payload is sent.
//
// Thread-safety: NewTcpDialer()'s dialer is stateless and safe to use concurrently.
#pragma once

#include <memory>
#include <utility>

#include "common/clock.h"
#include "common/status.h"
#include "net/address.h"
#include "net/deadline.h"
#include "net/path.h"

namespace hermes::net {

// Owns a file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

class Dialer {
 public:
  virtual ~Dialer() = default;
  // Opens a TCP connection to `addr` from `path` and closes it again. Returns the
  // connect time: from connect() until the socket is writable with SO_ERROR == 0,
  // measured on d.clock. Errors:
  //   kUnavailable       refused, unreachable, reset, cannot bind to the path
  //                      (message names the errno)
  //   kDeadlineExceeded  the deadline passed or the run was cancelled
  //   kInternal          could not create a socket
  virtual Result<Duration> ConnectOnce(const SocketAddress& addr, const PathOptions& path,
                                       const Deadline& d) = 0;
};

std::unique_ptr<Dialer> NewTcpDialer();

}  // namespace hermes::net
