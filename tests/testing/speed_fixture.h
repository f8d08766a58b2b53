// Speed-test fixture servers for probe tests, on 127.0.0.1 with a kernel-chosen port.
//
// SpeedFixture serves the Cloudflare-style API with cpp-httplib (HTTP or, given a
// cert and key, HTTPS): `GET /__down?bytes=N` answers N bytes (Content-Length set),
// `POST /__up` reads and discards the body. Knobs make it misbehave on purpose
// (delay, Server-Timing, fixed status, stall); extra routes can be added.
// With report_delay, Server-Timing reports the delay as actually waited (a timer
// fires late on a loaded machine), so that a client subtracting it is left with
// the loopback round trip.
//
// RawHttpFixture speaks just enough HTTP/1.1 on a raw socket to break a response in
// ways httplib will not: it answers `bytes=0` pings normally and every other
// request with a Content-Length of `declared_bytes` but only `sent_bytes` of body,
// then closes the connection (FIN) or resets it (RST). `POST /__up`: the first on a
// connection is read and answered (keep-alive); the next is read for `sent_bytes`
// of its body, then the connection is closed or reset the same way, so the
// client sees a reused connection break mid-upload.
//
// HostileHttpFixture answers every request with a body the client did not ask for,
// to check that a probe's byte counts and caps hold whatever the far end sends (see
// its Mode). It counts every body byte the kernel accepted from it.
//
// Thread-safety: counters are atomic; the servers run on their own threads and are
// stopped by the destructors.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "testing/raw_server.h"

namespace hermes::testing {

struct SpeedFixtureOptions {
  std::string cert_file;  // both set: HTTPS
  std::string key_file;
  std::chrono::milliseconds delay{0};  // before answering any request
  std::string server_timing;           // Server-Timing value to send, "" for none
  bool report_delay = false;           // Server-Timing "app;dur=" of the delay actually waited
  int status = 200;                    // != 200: every request answers this
  std::string retry_after;             // with `status`, "" for none
  bool stall = false;                  // handlers block until the fixture stops
  double down_rate = 0;                // > 0: each /__down response is paced to this many bytes/s
};

class SpeedFixture {
 public:
  using Routes = std::function<void(httplib::Server&)>;
  explicit SpeedFixture(SpeedFixtureOptions opts = {}, Routes extra = nullptr);
  ~SpeedFixture();
  SpeedFixture(const SpeedFixture&) = delete;
  SpeedFixture& operator=(const SpeedFixture&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" or "https://localhost:<port>".
  std::string url() const;

  std::atomic<uint64_t> down_bytes{0};  // body bytes written by /__down
  std::atomic<uint64_t> up_bytes{0};    // body bytes read by /__up
  std::atomic<int> ping_requests{0};    // /__down?bytes=0
  std::atomic<int> down_requests{0};    // /__down with bytes > 0
  std::atomic<int> up_requests{0};
  std::atomic<int> max_concurrent_down{0};

 private:
  void Install();
  std::chrono::steady_clock::duration Wait();  // applies delay / stall; returns the time waited

  SpeedFixtureOptions opts_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> concurrent_down_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

class RawHttpFixture {
 public:
  RawHttpFixture(uint64_t declared_bytes, uint64_t sent_bytes, bool reset);
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.port()); }

 private:
  void Serve(int fd);

  const uint64_t declared_, sent_;
  const bool reset_;
  LoopbackAcceptor acceptor_{[this](int fd) { Serve(fd); }};
};

class HostileHttpFixture {
 public:
  enum class Mode {
    kEndless,         // Transfer-Encoding: chunked, chunks forever
    kOverlong,        // Content-Length: 64 MB, whatever was asked
    kCloseDelimited,  // no length at all: body until the connection closes, forever
    kDrip,            // chunked, 1 byte every 50 ms, forever
  };
  // With `pings_too` false, latency pings (`bytes=0`) get a proper empty answer.
  HostileHttpFixture(Mode mode, bool pings_too) : mode_(mode), pings_too_(pings_too) {}
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.port()); }
  std::atomic<uint64_t> body_bytes_sent{0};
  std::atomic<int> requests{0};

 private:
  void Serve(int fd);

  const Mode mode_;
  const bool pings_too_;
  LoopbackAcceptor acceptor_{[this](int fd) { Serve(fd); }};
};

}  // namespace hermes::testing
