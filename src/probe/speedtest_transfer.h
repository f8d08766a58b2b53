// Speedtest transfer engine: `streams` parallel connections driven by one libcurl
// multi handle on the probe's thread, each repeatedly GETting a download of N bytes
// or POSTing an N-byte body to the upload sink, in the paths of a SpeedtestApi
// (Cloudflare-style: `GET {url}/__down?bytes=N`, `POST {url}/__up`), until
// `duration` has passed since the start or `max_bytes` have been requested in total.
//
// Request size N = min(max_bytes / streams, 100 MB), at least 1 MB (and one unit
// of the API), never more than what is left of max_bytes, and then rounded down to
// what the API can ask for (SpeedtestApi::Download / UploadBytes), so the bytes
// requested never exceed max_bytes; when no request fits, the stream stops.
// A download body longer than the API says the request returns, an upload's answer
// longer than kMaxPingBodyBytes (or a Content-Length announcing either) fails as
// `protocol` at once: whatever the server sends, hermes reads at most one receive
// buffer (config::kTransferReadBlockBytes) per stream beyond it.
// Counting: download bytes (and the bodies of upload answers, separately) as the
// write callback receives them (nothing is copied or stored); upload bytes as libcurl reports them
// sent (CURLINFO_SIZE_UPLOAD_T), read at every wake-up; upload bodies come from one pre-filled
// buffer. Stopping at `duration` aborts in-flight requests; that is the normal end, not an error,
// unless no byte at all moved by then (a stalled target): that fails as timeout.
// Rates come from ThroughputMeter fed with the Clock's steady time and the bytes
// that crossed the link (Engine::Delivered: downloads as the kernel received them,
// read or still queued unread; uploads as the peer acknowledged them), which do not
// depend on when a CPU-starved process gets round to its sockets. At debug level
// each direction logs its window ("speedtest window": bytes, seconds, end as a
// CLOCK_MONOTONIC reading).
// With `stop_when_stable` the transfer also ends once its goodput after the warm-up
// instant is stable: the responsiveness draft's moving-average test (stability.h:
// moving averages over 4 intervals, 4 of them within 5 %) on intervals of
// kStableCheckInterval, `duration` staying the upper bound.
//
// Thread-compatible: runs on the calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/probe.h"
#include "probe/speedtest_api.h"
#include "probe/speedtest_rate.h"

namespace hermes::probe {

struct TransferSpec {
  Direction direction = Direction::kDownload;
  int streams = 4;
  Duration duration = std::chrono::seconds(10);
  Duration warmup = std::chrono::seconds(1);
  uint64_t max_bytes = 0;
  bool stop_when_stable = false;
};

// Interval of the `stop: stable` test: the draft's 1 s would make its 4 x 4 interval
// window need 4 s after warm-up, half of a typical 10 s run, before it can stop.
inline constexpr Duration kStableCheckInterval = std::chrono::milliseconds(500);

struct TransferOutcome {
  ThroughputMeter::Result rate;
  uint64_t total_bytes = 0;   // every byte moved, warm-up included
  uint64_t answer_bytes = 0;  // upload: body bytes of the server's answers (received)
  int requests_completed = 0;
  bool stopped_stable = false;                 // ended by `stop: stable` before `duration`
  std::optional<net::RequestFailure> failure;  // set: the direction (and run) failed
};

// Bytes per request for a spec (see above), before the API rounds them.
uint64_t RequestBytes(const TransferSpec& spec, const SpeedtestApi& api);

// Runs one direction against `base_url` (no trailing slash) in the paths of `api`.
// Returns by the context's deadline; an expired deadline or cancellation is a
// timeout failure.
TransferOutcome RunTransfer(const std::string& base_url, const SpeedtestApi& api,
                            const net::RequestOptions& opts, const TransferSpec& spec,
                            const ProbeContext& ctx);

}  // namespace hermes::probe
