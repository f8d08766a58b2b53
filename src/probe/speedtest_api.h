// How hermes speaks a speed-test server's API: the request paths, and the rules for
// sizing requests and reading the answers. The latency code and the transfer engine
// take a SpeedtestApi, so another API is another description, never a fork of the
// engine. Two exist (config key `api`):
//
//   cloudflare  GET {url}/__down?bytes=N answers exactly N bytes; POST {url}/__up;
//               pings are /__down?bytes=0; Server-Timing reports the server's time
//               (hermes-target and Cloudflare: cfRequestDuration;dur=).
//   librespeed  GET {url}/garbage.php?ckSize=C answers C chunks of 1 MiB whatever
//               else is asked (C = 1..1024; the Rust backend sends the same bytes as
//               2C chunks of 512 KiB); POST {url}/empty.php discards the body; pings
//               GET {url}/empty.php; no Server-Timing. Paths as configured.
//
// Sizes: a request never moves more than the engine asks for. Download(bytes) asks
// for the largest whole number of units that fits in `bytes` (0: none fits, the
// engine stops); UploadBytes(bytes) likewise. LibreSpeed's uploads are whole MiB too
// (at most 20 MiB, the blob its own client sends and every working server accepts;
// the Rust backend reads bodies in 1 KiB blocks and never answers a body that ends
// mid-block).
//
// Every response body is capped by what the request asked for: a ping's and an
// upload's answer by kMaxPingBodyBytes, a download's by DownloadRequest::body_bytes.
// A longer body (or a Content-Length that announces one) fails the run as
// `protocol` as soon as it is seen, so a hostile or broken server cannot make hermes
// move more than it planned.
//
// Thread-safety: descriptions are immutable values.
#pragma once

#include <cstdint>
#include <string>

#include "config/speedtest_config.h"

namespace hermes::probe {

using config::kMaxPingBodyBytes;

struct DownloadRequest {
  std::string path;     // appended to the probe's URL, e.g. "/__down?bytes=1000000"
  uint64_t body_bytes;  // the exact body the server sends for it; 0: no request fits
};

struct SpeedtestApi {
  std::string name;           // the config's `api`
  std::string ping_path;      // GET; answered with an (almost) empty body
  std::string upload_path;    // POST with the body to discard
  std::string download_path;  // GET, with "?<size_parameter>=<units>" appended
  std::string size_parameter;
  uint64_t unit_bytes = 1;                 // a download (and upload) is whole units
  uint64_t max_download_units = 0;         // the most units one download can ask for
  uint64_t max_upload_bytes = UINT64_MAX;  // one upload request's body
  // Whether responses carry the server's processing time in Server-Timing (the
  // largest dur= of any metric; net::ParseServerTimingSeconds), which RTTs exclude.
  bool server_timing = false;

  // The largest download of at most `bytes`.
  DownloadRequest Download(uint64_t bytes) const;
  // The largest upload body of at most `bytes`; 0 if none fits.
  uint64_t UploadBytes(uint64_t bytes) const;
};

SpeedtestApi CloudflareApi();
SpeedtestApi LibreSpeedApi(const config::LibreSpeedPaths& paths);
// The API a probe's config names.
SpeedtestApi ApiFor(const config::SpeedtestConfig& cfg);

}  // namespace hermes::probe
