// The HTTP routes of hermes-target, the reference speed-test server
// (Cloudflare-style API) that users deploy on the far side of a link and that the
// demo and the tests probe:
//
//   GET  /__down?bytes=N  streams N bytes (N <= max_bytes_per_request; 0 answers at once)
//   POST /__up            reads and discards the body (<= max_bytes_per_request) and
//                         answers with the byte count
// Both carry `Server-Timing: cfRequestDuration;dur=<ms>` with the server's own
// processing time, which the speedtest probe subtracts from its RTT samples; the
// metric has the name Cloudflare's edge uses, so Cloudflare's own speed-test engine
// (npm @cloudflare/speedtest) subtracts it too.
//
// CORS, for browser speed-test pages on another origin (RouteOptions::cors_origin,
// flag --web.cors.origin, default: none): for an Origin the pattern matches, both
// routes answer the OPTIONS preflight (without credentials, which a preflight never
// carries) and add Access-Control-Allow-Origin, Timing-Allow-Origin (so the
// browser's Resource Timing has the real request and response instants) and
// Access-Control-Expose-Headers: Server-Timing (so the page can read it). Requests
// from other origins get no CORS headers; the browser then withholds the answer.
//
// Responsiveness (RPM, draft-ietf-ippm-responsiveness), over HTTP/2 or HTTP/1.1:
//   GET  /.well-known/nq  the config: {"version": 1, "urls": {...}} with the URLs
//                         below under both the draft's key names (small_download_url,
//                         large_download_url, upload_url) and the older ones that
//                         deployed clients read (small_https_download_url,
//                         large_https_download_url, https_upload_url), built from the
//                         request's host (:authority); "test_endpoint" when set
//   GET  /api/v1/small    1 byte
//   GET  /api/v1/large    kRpmLargeBytes, streamed (clients cancel it)
//   POST /api/v1/upload   reads and discards a body of any size, answers the count
// They need auth like the transfer routes unless RpmOptions::anonymous (stock RPM
// clients cannot send a token).
//
// The TestFaults are TEST-ONLY knobs (flags --test.*) that make the target
// misbehave in controlled ways so tests can check hermes' failure handling and
// accuracy. They are never meant for a production target. They apply to the
// transfer and RPM routes alike (the status fault to /.well-known/nq too; the
// download faults to every streamed body).
//
// Thread-safety: the routes are stateless and safe on any number of io threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/http.h"

namespace hermes::target {

// The draft asks for at least 8 GB; clients stop long before the end.
inline constexpr uint64_t kRpmLargeBytes = 64ull << 30;

struct TestFaults {
  std::chrono::milliseconds response_delay{0};  // added before every transfer answer
  bool stall = false;                           // downloads: send headers, never the body
  std::optional<uint64_t> reset_after_bytes;    // downloads: reset after this many bytes
  bool short_body = false;                      // downloads: Content-Length larger than sent
  int status = 0;                               // answer transfers with this status
  int retry_after_seconds = 0;                  // with status 429/503: Retry-After
};

struct RpmOptions {
  bool anonymous = false;     // RPM resources answer without auth
  std::string test_endpoint;  // "test_endpoint" of the config; "" = left out
};

struct RouteOptions {
  uint64_t max_bytes_per_request = 1ull << 30;
  RpmOptions rpm;
  TestFaults faults;
  // Origins allowed to use /__down and /__up from a browser: a fully anchored
  // ECMAScript regular expression, as Prometheus' --web.cors.origin; "" = none.
  std::string cors_origin;
};

// options.cors_origin must have passed CheckCorsOrigin (the flags check it).
std::vector<server::Route> TargetRoutes(const RouteOptions& options);

// OK when `pattern` compiles as RouteOptions::cors_origin; kInvalidArgument with
// the regex library's reason otherwise.
Status CheckCorsOrigin(const std::string& pattern);

// `host` as /.well-known/nq announces it in "test_endpoint" (the draft: a host, no
// port): a name, IPv4 address or IPv6 address (bracketed in the result); nullopt for
// anything else.
std::optional<std::string> TestEndpoint(std::string_view host);

}  // namespace hermes::target
