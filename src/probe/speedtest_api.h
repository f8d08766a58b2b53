// How hermes speaks a speed-test server's API: the request paths, and the rules for
// reading the answers. The latency code and the transfer engine take a SpeedtestApi,
// so another API is another description (plus, at most, a small adapter), never a
// fork of the engine.
//
// Every response body is capped by what the request asked for: a ping's body by
// kMaxPingBodyBytes, a download's by DownloadRequest::body_bytes. A longer body (or
// a Content-Length that announces one) fails the run as `protocol` as soon as it is
// seen, so a hostile or broken server cannot make hermes move more than it planned.
//
// Thread-safety: descriptions are immutable constants.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/speedtest_config.h"

namespace hermes::probe {

using config::kMaxPingBodyBytes;

struct DownloadRequest {
  std::string path;     // appended to the probe's URL, e.g. "/__down?bytes=1000000"
  uint64_t body_bytes;  // the exact body the server sends for it
};

struct SpeedtestApi {
  std::string_view name;
  std::string_view ping_path;    // GET; answered with an (almost) empty body
  std::string_view upload_path;  // POST with the body to discard
  // The GET for a download of about `bytes` (>= 1); body_bytes may differ from
  // `bytes` when the API moves fixed-size chunks.
  DownloadRequest (*download)(uint64_t bytes);
  // Whether responses carry the server's processing time in Server-Timing (the
  // largest dur= of any metric; net::ParseServerTimingSeconds), which RTTs exclude.
  bool server_timing;
};

// `GET /__down?bytes=N` (exactly N bytes), `POST /__up`, pings `/__down?bytes=0`,
// Server-Timing (hermes-target: app;dur=, Cloudflare: cfRequestDuration;dur=).
const SpeedtestApi& CloudflareApi();

}  // namespace hermes::probe
