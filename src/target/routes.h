// The HTTP routes of hermes-target, the reference speed-test server
// (Cloudflare-style API) that users deploy on the far side of a link and that the
// demo and the tests probe:
//
//   GET  /__down?bytes=N  streams N bytes (N <= max_bytes_per_request; 0 answers at once)
//   POST /__up            reads and discards the body (<= max_bytes_per_request) and
//                         answers with the byte count
// Both carry `Server-Timing: app;dur=<ms>` with the server's own processing time,
// which the speedtest probe subtracts from its RTT samples.
//
// The TestFaults are TEST-ONLY knobs (flags --test.*) that make the target
// misbehave in controlled ways so tests can check hermes' failure handling and
// accuracy. They are never meant for a production target.
//
// Thread-safety: the routes are stateless and safe on any number of io threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "server/http.h"

namespace hermes::target {

struct TestFaults {
  std::chrono::milliseconds response_delay{0};  // added before every __down/__up answer
  bool stall = false;                           // __down: send headers, never the body
  std::optional<uint64_t> reset_after_bytes;    // __down: RST after this many bytes
  bool short_body = false;                      // __down: Content-Length larger than sent
  int status = 0;                               // answer __down/__up with this status
  int retry_after_seconds = 0;                  // with status 429/503: Retry-After
};

struct RouteOptions {
  uint64_t max_bytes_per_request = 1ull << 30;
  TestFaults faults;
};

std::vector<server::Route> TargetRoutes(const RouteOptions& options);

}  // namespace hermes::target
