// A LibreSpeed server for probe tests, on 127.0.0.1 with a kernel-chosen port,
// speaking HTTP/1.1 on a raw socket so that it behaves byte for byte as one of
// LibreSpeed's three backends does (read from their sources):
//
//   kPhp   backend/garbage.php, empty.php (served by Apache/PHP-FPM). garbage.php
//          sends ckSize chunks of 1 MiB (absent, non-digit or <= 0: 4; > 1024:
//          1024) with no Content-Length (chunked), ignoring every other parameter;
//          empty.php answers at once with an empty body, before the request body is
//          read (PHP leaves php://input alone); the server then drains the body.
//   kGo    speedtest-go: the same resources under both names (garbage.php and
//          garbage; ckSize parsed as an integer, 0 or negative: no chunk), and
//          `empty` reads the whole request body before it answers.
//   kRust  speedtest-rust: only `garbage` and `empty`; garbage sends 2 x ckSize
//          chunks of 512 KiB; empty reads a body in 1 KiB blocks, so a body that is
//          not a whole number of KiB is never answered (the server waits for the
//          rest of the block).
//
// Any other path is a 404, but for GET /_fixture/counters (test-only): the counters
// as JSON {"sent": down_bytes, "received": up_bytes}, for tests that run the
// fixture as a separate program (tests/testing/bin/librespeed_fixture.cc). Counters
// let tests compare what hermes counted with what the server sent and read.
//
// Thread-safety: counters are atomic, the recorded lists are guarded; connections
// are served on their own threads and shut down by the destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "testing/raw_server.h"

namespace hermes::testing {

class LibreSpeedFixture {
 public:
  enum class Backend { kPhp, kGo, kRust };
  // On 127.0.0.1 (or `ip`, inside a test's network namespace), port `port` (0: any).
  explicit LibreSpeedFixture(Backend backend, const std::string& ip = "127.0.0.1", int port = 0)
      : backend_(backend), ip_(ip), acceptor_([this](int fd) { Serve(fd); }, ip, port) {}

  std::string url() const { return "http://" + ip_ + ":" + std::to_string(acceptor_.port()); }

  std::atomic<uint64_t> down_bytes{0};  // garbage body bytes offered to the socket
  std::atomic<uint64_t> up_bytes{0};    // request body bytes read by empty
  std::atomic<int> pings{0};            // empty without a body
  std::atomic<int> not_found{0};

  std::vector<int64_t> chunk_counts();   // ckSize of every garbage request, as sent
  std::vector<uint64_t> upload_sizes();  // Content-Length of every upload
  std::vector<std::string> peers() { return acceptor_.peers(); }  // client IPs

 private:
  void Serve(int fd);
  bool Garbage(int fd, const std::string& query);
  bool Empty(int fd, uint64_t body, std::string& buffered);

  const Backend backend_;
  const std::string ip_;
  std::mutex mu_;
  std::vector<int64_t> chunk_counts_;
  std::vector<uint64_t> upload_sizes_;
  LoopbackAcceptor acceptor_;  // last: its threads use the members above
};

}  // namespace hermes::testing
