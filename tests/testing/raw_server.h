// Raw-socket test servers on 127.0.0.1 with a kernel-chosen port.
//
// LoopbackAcceptor accepts connections and runs `serve(fd)` on a thread per
// connection; it closes the fd when `serve` returns. It records each client's
// address (peers()), so tests can see which source address a client used. The destructor stops
// accepting, shuts every open connection down (so a blocked `serve` returns) and
// joins. Declare it as the last member of the class whose `serve` it runs.
//
// ConnectProxy is an HTTP CONNECT proxy (what libcurl speaks for HTTPS_PROXY /
// https URLs): it records each CONNECT target, tunnels to 127.0.0.1 on the
// requested port whatever the host (tests never reach another address), and
// counts the bytes it relays.
//
// Thread-safety: accessors may be called while connections are served.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hermes::testing {

// Sends all `n` bytes (MSG_NOSIGNAL); false when the peer went away.
bool SendAll(int fd, const char* p, size_t n);

class LoopbackAcceptor {
 public:
  // Listens on `ip` (IPv4; 127.0.0.1 unless a test runs the server inside its own
  // network namespace) and `port` (0: the kernel's choice).
  explicit LoopbackAcceptor(std::function<void(int fd)> serve, const std::string& ip = "127.0.0.1",
                            int port = 0);
  ~LoopbackAcceptor();
  LoopbackAcceptor(const LoopbackAcceptor&) = delete;
  LoopbackAcceptor& operator=(const LoopbackAcceptor&) = delete;
  int port() const { return port_; }
  std::vector<std::string> peers();  // client IP of every connection, in order

 private:
  const std::function<void(int)> serve_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mu_;
  bool stopping_ = false;
  std::vector<int> open_fds_;       // guarded by mu_
  std::vector<std::string> peers_;  // guarded by mu_
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

class ConnectProxy {
 public:
  ConnectProxy();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.port()); }
  std::vector<std::string> targets();  // "host:port" of every CONNECT, in order
  uint64_t relayed_bytes() const { return relayed_.load(); }

 private:
  void Serve(int fd);

  std::atomic<uint64_t> relayed_{0};
  std::mutex mu_;
  std::vector<std::string> targets_;
  LoopbackAcceptor acceptor_;  // last: its threads use the members above
};

}  // namespace hermes::testing
