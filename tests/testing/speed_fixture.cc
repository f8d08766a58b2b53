#include "testing/speed_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace hermes::testing {
namespace {

constexpr size_t kChunk = 256 * 1024;

const char* Payload() {
  static const std::string* const kPayload = new std::string(kChunk, 'x');
  return kPayload->data();
}

uint64_t QueryBytes(const httplib::Request& req) {
  if (!req.has_param("bytes")) return 0;
  return std::strtoull(req.get_param_value("bytes").c_str(), nullptr, 10);
}

}  // namespace

SpeedFixture::SpeedFixture(SpeedFixtureOptions opts, Routes extra) : opts_(std::move(opts)) {
  if (!opts_.cert_file.empty()) {
    server_ = std::make_unique<httplib::SSLServer>(opts_.cert_file.c_str(), opts_.key_file.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_keep_alive_max_count(100000);
  Install();
  if (extra) extra(*server_);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) std::abort();
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

SpeedFixture::~SpeedFixture() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->stop();
  thread_.join();
}

std::string SpeedFixture::url() const {
  return (opts_.cert_file.empty() ? "http://" : "https://") + std::string("127.0.0.1:") +
         std::to_string(port_);
}

std::chrono::steady_clock::duration SpeedFixture::Wait() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> l(mu_);
  if (opts_.stall) cv_.wait(l, [&] { return stopping_; });
  if (opts_.delay.count() > 0) cv_.wait_for(l, opts_.delay, [&] { return stopping_; });
  return std::chrono::steady_clock::now() - start;
}

void SpeedFixture::Install() {
  auto common = [this](httplib::Response& res) {
    const auto waited = Wait();
    if (!opts_.server_timing.empty()) res.set_header("Server-Timing", opts_.server_timing);
    if (opts_.report_delay) {
      const double ms = std::chrono::duration<double, std::milli>(waited).count();
      res.set_header("Server-Timing", "app;dur=" + std::to_string(ms));
    }
    if (opts_.status != 200) {
      res.status = opts_.status;
      if (!opts_.retry_after.empty()) res.set_header("Retry-After", opts_.retry_after);
      res.set_content("fixture error", "text/plain");
      return false;
    }
    return true;
  };
  server_->Get("/__down", [this, common](const httplib::Request& req, httplib::Response& res) {
    if (!common(res)) return;
    const uint64_t n = QueryBytes(req);
    if (n == 0) {
      ++ping_requests;
      res.set_content("", "application/octet-stream");
      return;
    }
    ++down_requests;
    const int now = ++concurrent_down_;
    int seen = max_concurrent_down.load();
    while (now > seen && !max_concurrent_down.compare_exchange_weak(seen, now)) {
    }
    const auto start = std::chrono::steady_clock::now();
    res.set_content_provider(
        n, "application/octet-stream",
        [this, start](size_t offset, size_t length, httplib::DataSink& sink) {
          size_t len = std::min(length, kChunk);
          if (opts_.down_rate > 0) {
            // Send each 16 KiB slice no earlier than its place in a constant-rate stream.
            len = std::min<size_t>(len, 16 * 1024);
            std::this_thread::sleep_until(
                start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(offset / opts_.down_rate)));
          }
          if (!sink.write(Payload(), len)) return false;
          down_bytes += len;
          return true;
        },
        [this](bool) { --concurrent_down_; });
  });
  server_->Post("/__up", [this, common](const httplib::Request&, httplib::Response& res,
                                        const httplib::ContentReader& reader) {
    ++up_requests;
    reader([this](const char*, size_t len) {
      up_bytes += len;
      return true;
    });
    if (!common(res)) return;
    res.set_content("", "text/plain");
  });
}

RawHttpFixture::RawHttpFixture(uint64_t declared_bytes, uint64_t sent_bytes, bool reset)
    : declared_(declared_bytes), sent_(sent_bytes), reset_(reset) {}

void RawHttpFixture::Serve(int fd) {
  std::string buf;
  char tmp[4096];
  int posts = 0;
  for (;;) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = read(fd, tmp, sizeof(tmp));
      if (n <= 0) return;
      buf.append(tmp, static_cast<size_t>(n));
    }
    const std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);
    if (head.rfind("POST ", 0) == 0) {
      const size_t cl = head.find("Content-Length: ");
      const uint64_t length = cl == std::string::npos ? 0 : std::stoull(head.substr(cl + 16));
      const uint64_t want = posts++ == 0 ? length : std::min(length, sent_);
      uint64_t got = std::min<uint64_t>(buf.size(), want);
      buf.erase(0, got);
      ssize_t n = 1;
      while (got < want && (n = read(fd, tmp, std::min<uint64_t>(sizeof(tmp), want - got))) > 0) {
        got += static_cast<uint64_t>(n);
      }
      if (got < length) break;
      const std::string count = std::to_string(length) + "\n";
      const std::string ok =
          "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(count.size()) + "\r\n\r\n" + count;
      if (send(fd, ok.data(), ok.size(), MSG_NOSIGNAL) < 0) break;
      continue;
    }
    if (head.find("bytes=0 ") != std::string::npos) {
      const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      if (send(fd, ok.data(), ok.size(), MSG_NOSIGNAL) < 0) break;
      continue;
    }
    const std::string hdr = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(declared_) +
                            "\r\nContent-Type: application/octet-stream\r\n\r\n";
    if (send(fd, hdr.data(), hdr.size(), MSG_NOSIGNAL) < 0) break;
    const std::string body(sent_, 'x');
    send(fd, body.data(), body.size(), MSG_NOSIGNAL);
    usleep(50 * 1000);  // let the client read the partial body before the reset
    break;
  }
  if (reset_) {  // the acceptor's close then sends RST
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
}

void HostileHttpFixture::Serve(int fd) {
  std::string head;
  char c;
  for (;;) {
    head.clear();
    while (head.size() < 8192 && head.find("\r\n\r\n") == std::string::npos) {
      if (read(fd, &c, 1) != 1) return;
      head += c;
    }
    ++requests;
    if (pings_too_ || head.find("bytes=0 ") == std::string::npos) break;
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (send(fd, ok.data(), ok.size(), MSG_NOSIGNAL) < 0) return;
  }
  const char* headers = mode_ == Mode::kOverlong         ? "Content-Length: 64000000\r\n"
                        : mode_ == Mode::kCloseDelimited ? "Connection: close\r\n"
                                                         : "Transfer-Encoding: chunked\r\n";
  const std::string hdr = std::string("HTTP/1.1 200 OK\r\n") + headers + "\r\n";
  if (send(fd, hdr.data(), hdr.size(), MSG_NOSIGNAL) < 0) return;
  const bool chunked = mode_ == Mode::kEndless || mode_ == Mode::kDrip;
  const size_t payload = mode_ == Mode::kDrip ? 1 : 64 * 1024;
  char size_line[32];
  const int size_len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", payload);
  std::string chunk = chunked ? std::string(size_line, static_cast<size_t>(size_len)) : "";
  chunk += std::string(payload, 'h');
  if (chunked) chunk += "\r\n";
  // Until the client goes away (or the fixture's destructor shuts the socket down).
  // Counted before the send, so that a client never reads bytes not yet counted.
  for (;;) {
    body_bytes_sent += payload;
    const ssize_t n = send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(chunk.size())) {
      body_bytes_sent -= n <= 0 ? payload : 0;  // a short send still offered part of it
      return;
    }
    if (mode_ == Mode::kDrip) usleep(50 * 1000);
  }
}

}  // namespace hermes::testing
