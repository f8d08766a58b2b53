#include "testing/raw_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace hermes::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

LoopbackAcceptor::LoopbackAcceptor(std::function<void(int fd)> serve, const std::string& ip,
                                   int port)
    : serve_(std::move(serve)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(port);
  if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) std::abort();
  socklen_t len = sizeof(addr);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    for (;;) {
      sockaddr_in peer{};
      socklen_t peer_len = sizeof(peer);
      const int fd = accept(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len);
      std::lock_guard<std::mutex> l(mu_);
      if (fd < 0 || stopping_) {
        if (fd >= 0) close(fd);
        return;
      }
      char ip[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
      peers_.push_back(ip);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd] {
        serve_(fd);
        std::lock_guard<std::mutex> l(mu_);
        open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
        close(fd);
      });
    }
  });
}

LoopbackAcceptor::~LoopbackAcceptor() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();  // no thread is added after this
  for (auto& t : threads_) t.join();
  close(listen_fd_);
}

std::vector<std::string> LoopbackAcceptor::peers() {
  std::lock_guard<std::mutex> l(mu_);
  return peers_;
}

ConnectProxy::ConnectProxy() : acceptor_([this](int fd) { Serve(fd); }) {}

std::vector<std::string> ConnectProxy::targets() {
  std::lock_guard<std::mutex> l(mu_);
  return targets_;
}

void ConnectProxy::Serve(int fd) {
  std::string head;
  char buf[64 * 1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    head.append(buf, static_cast<size_t>(n));
  }
  // "CONNECT host:port HTTP/1.1"; a client sends nothing more before the answer.
  const size_t sp = head.find(' '), sp2 = head.find(' ', sp + 1);
  if (head.rfind("CONNECT ", 0) != 0 || sp2 == std::string::npos) return;
  const std::string target = head.substr(sp + 1, sp2 - sp - 1);
  {
    std::lock_guard<std::mutex> l(mu_);
    targets_.push_back(target);
  }
  const int port = std::atoi(target.substr(target.rfind(':') + 1).c_str());
  const int up = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(port);
  if (connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string bad = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    SendAll(fd, bad.data(), bad.size());
    close(up);
    return;
  }
  const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
  if (SendAll(fd, ok.data(), ok.size())) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {up, POLLIN, 0}};
    for (bool open = true; open && poll(fds, 2, -1) > 0;) {
      for (int i = 0; i < 2 && open; ++i) {
        if (fds[i].revents == 0) continue;
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        open = n > 0 && SendAll(fds[1 - i].fd, buf, static_cast<size_t>(n));
        if (open) relayed_ += static_cast<uint64_t>(n);
      }
    }
  }
  close(up);
}

}  // namespace hermes::testing
