// Test support for the listener tests: a raw blocking HTTP/1.1 client over plain
// sockets or OpenSSL, a recording observer, a scripted Authenticator and a helper
// that starts an HttpServer on 127.0.0.1:0. Header-only because the test glob
// compiles only *_test.cc.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/http_server.h"

namespace hermes::server::test_util {

using namespace std::chrono_literals;

class RecordingObserver : public ServerObserver {
 public:
  void OnRequest(const std::string& label, int code, double) override {
    std::lock_guard<std::mutex> l(mu);
    requests.push_back(label + " " + std::to_string(code));
  }
  void OnAuthFailure(AuthFailure f) override {
    std::lock_guard<std::mutex> l(mu);
    auth_failures.push_back(f);
  }
  void OnConnectionsChanged(int open_now) override { open = open_now; }
  void OnConnectionRejected(ConnectionRejectReason reason) override {
    std::lock_guard<std::mutex> l(mu);
    rejected.push_back(reason);
    rejected_cv.notify_all();
  }
  std::vector<ConnectionRejectReason> Rejected() {
    std::lock_guard<std::mutex> l(mu);
    return rejected;
  }
  // The rejections once there are at least `n`: the server records a rejection
  // after the client has already seen the connection fail. The bound only stops
  // a broken server from hanging the test.
  std::vector<ConnectionRejectReason> WaitForRejected(size_t n) {
    std::unique_lock<std::mutex> l(mu);
    rejected_cv.wait_for(l, 30s, [&] { return rejected.size() >= n; });
    return rejected;
  }
  std::vector<std::string> Requests() {
    std::lock_guard<std::mutex> l(mu);
    return requests;
  }
  std::mutex mu;
  std::condition_variable rejected_cv;
  std::vector<std::string> requests;
  std::vector<ConnectionRejectReason> rejected;
  std::vector<AuthFailure> auth_failures;
  std::atomic<int> open{0};
};

// Accepts "Bearer good"; "Bearer limited" is rate limited; "" is missing.
class FakeAuthenticator : public Authenticator {
 public:
  bool Enabled() const override { return true; }
  AuthDecision Check(std::string_view authorization, std::string_view) override {
    if (authorization.empty()) return AuthDecision::kMissing;
    if (authorization == "Bearer good") return AuthDecision::kOk;
    if (authorization == "Bearer limited") return AuthDecision::kRateLimited;
    if (authorization.rfind("Bearer ", 0) != 0) return AuthDecision::kMalformed;
    return AuthDecision::kInvalid;
  }
};

inline Route TextRoute(std::string path, std::string body, bool auth = false) {
  Route r;
  r.path = path;
  r.methods = {"GET"};
  r.handler_label = path;
  r.requires_auth = auth;
  r.handler = [body](const HttpRequest&) { return HttpResponse::Text(200, body); };
  return r;
}

// A blocking connection speaking raw bytes, over TCP or TLS (when ssl != nullptr).
class Conn {
 public:
  Conn() = default;
  explicit Conn(uint16_t port) { Connect(port); }
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool Connect(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  // Runs a TLS handshake with `ctx`; false (and the OpenSSL error in `error`) on failure.
  bool Handshake(SSL_CTX* ctx, std::string* error = nullptr) {
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    int rc = SSL_connect(ssl);
    if (rc != 1) {
      if (error != nullptr) *error = ERR_error_string(ERR_get_error(), nullptr);
      return false;
    }
    return true;
  }
  bool Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      int n = ssl ? SSL_write(ssl, s.data() + off, static_cast<int>(s.size() - off))
                  : static_cast<int>(::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL));
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads up to `cap` bytes; 0 on orderly close, -1 on error or timeout.
  long Recv(char* buf, size_t cap, std::chrono::milliseconds timeout = 5000ms) {
    if (!ssl || SSL_pending(ssl) == 0) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
    }
    if (ssl) {
      int n = SSL_read(ssl, buf, static_cast<int>(cap));
      if (n > 0) return n;
      return SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }
    return ::recv(fd, buf, cap, 0);
  }
  // True when the peer closes (EOF or reset) within `timeout`; data that arrives
  // first (an error response) is skipped.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!ssl || SSL_pending(ssl) == 0) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) == 0) return false;
      }
      long n = ssl ? SSL_read(ssl, buf, sizeof(buf)) : ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return true;
    }
  }
  void Close() {
    if (ssl) SSL_free(ssl);
    ssl = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  int fd = -1;
  SSL* ssl = nullptr;
};

struct Response {
  int status = 0;                              // 0: no response (closed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by "\n"
  std::string body;
  uint64_t body_bytes = 0;  // counted even when the body is not kept
  bool complete = false;    // the whole Content-Length arrived
};

// Reads one response. `head` (a HEAD request): no body follows. Bodies longer
// than `keep` are counted, not stored.
inline Response ReadResponse(Conn& c, bool head = false, size_t keep = 1 << 20,
                             std::chrono::milliseconds timeout = 5000ms) {
  Response r;
  std::string buf;
  std::vector<char> chunk(1 << 20);
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    long n = c.Recv(chunk.data(), 4096, timeout);
    if (n <= 0) return r;
    buf.append(chunk.data(), static_cast<size_t>(n));
  }
  std::string head_text = buf.substr(0, end);
  buf.erase(0, end + 4);
  r.status = std::stoi(head_text.substr(9, 3));
  size_t pos = head_text.find("\r\n");
  while (pos != std::string::npos) {
    size_t next = head_text.find("\r\n", pos + 2);
    std::string line =
        head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value = line.substr(colon + 2);
    auto& slot = r.headers[name];
    slot = slot.empty() ? value : slot + "\n" + value;
    pos = next;
  }
  uint64_t length = head || r.status == 100 ? 0 : std::stoull(r.headers["content-length"]);
  auto take = [&](const char* data, size_t n) {
    r.body_bytes += n;
    if (r.body.size() < keep) r.body.append(data, std::min(n, keep - r.body.size()));
  };
  size_t first = static_cast<size_t>(std::min<uint64_t>(buf.size(), length));
  take(buf.data(), first);
  while (r.body_bytes < length) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), length - r.body_bytes));
    long n = c.Recv(chunk.data(), want, timeout);
    if (n <= 0) return r;
    take(chunk.data(), static_cast<size_t>(n));
  }
  r.complete = true;
  return r;
}

inline std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

// Opens `n` connections and proves each is admitted by completing a request.
inline std::vector<std::unique_ptr<Conn>> OpenServed(uint16_t port, int n) {
  std::vector<std::unique_ptr<Conn>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<Conn>(port));
    EXPECT_TRUE(out.back()->Send(Get("/a")));
    EXPECT_EQ(ReadResponse(*out.back()).status, 200);
  }
  return out;
}

// Starts a server on 127.0.0.1:0 with `routes` and runs it on 2 io threads.
struct TestServer {
  TestServer(ServerOptions options, std::vector<Route> routes, Authenticator* auth = nullptr)
      : server(std::move(options), std::move(routes), auth, &observer) {}
  static ServerOptions Options() {
    ServerOptions o;
    o.listen_addresses = {"127.0.0.1:0"};
    o.io_threads = 2;
    return o;
  }
  void Start() {
    Status s = server.Start();
    ASSERT_TRUE(s.ok()) << s.message();
    port = server.BoundPorts().at(0);
    server.Run();
  }
  RecordingObserver observer;
  HttpServer server;
  uint16_t port = 0;
};

}  // namespace hermes::server::test_util
