// One direction of the responsiveness test (draft-ietf-ippm-responsiveness, "Final
// Algorithm"), driven by libcurl on the calling thread through one net::MultiLoop
// (the engine: rpm_engine.h).
//
// Load: load-generating connections (LGCs) to the server's large download URL (GET
// of an object of >= 8 GB, re-requested if it ever ends) or upload URL (POSTs of
// min(max_bytes, 1 GB), one after another), each LGC on its own multi handle so
// that it is exactly one connection. One LGC at the start, one more at the end of
// every interval (ID = 1 s) up to 16.
// Stage 1, goodput: at each interval the moving average aggregate goodput (bytes of
// the last 4 intervals / their duration) joins a StabilityTest; probing starts once
// it is stable, or when half of max_duration or of max_bytes is used up.
// Stage 2, responsiveness: pairs of probes for the small URL, one pair per
// 1 / rate seconds, rate = min(100 /s, 5 % of the goodput / 6000 B per pair), at
// least one pair per interval, at most 48 probes (32 foreign) in flight:
//   foreign  a fresh connection (no reuse, no TLS session resumption): tcp =
//            CONNECT - NAMELOOKUP, tls = (APPCONNECT - CONNECT) / handshake round
//            trips (TLS 1.3: 1, 1.2: 2), http = TOTAL - APPCONNECT (CONNECT without TLS)
//   self     HTTP/2: a GET multiplexed onto an LGC chosen uniformly among the active
//            ones (those whose load has moved bytes: not one still connecting, whose
//            handshake would count in the probe), CURLOPT_PIPEWAIT on that LGC's
//            multi; http_l = TOTAL (from issuing the request to the whole response). HTTP/1.1 (no
//            multiplexing): the draft's fallback, the kernel's RTT estimate of that LGC's socket
//            (TCP_INFO: tcpi_rcv_rtt while receiving, tcpi_rtt while sending).
// At each interval the responsiveness over the probes completed in the last 4
// intervals (rpm_math.h) joins a second StabilityTest; the direction ends when it
// is stable, or at max_duration or max_bytes (a cut: the result of the window it
// has, completed intervals plus the running one). A failing LGC or probe, an error
// status or an overlong probe body fails the direction, as the draft asks.
//
// Confidence (the draft's, per stage; reported: the lower of the two): low = the
// stage ran fewer than 4 intervals, medium = 4 or more but not stable, high = stable.
//
// Bytes: every body byte read or handed to libcurl for sending counts; the
// direction's load and probes stop at max_bytes (download: body bytes refused from
// there on; upload: no byte handed beyond it). Upload LGC sockets get
// TCP_NOTSENT_LOWAT = max(16 KiB, 5 ms of their share of the goodput), updated
// per interval (the draft's stand-in for TCP_REPLENISH_TIME).
//
// Thread-compatible: runs on the calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/nq_config.h"
#include "probe/probe.h"

namespace hermes::probe {

struct RpmDirectionSpec {
  Direction direction = Direction::kDownload;
  const NqConfig* server = nullptr;
  net::RequestOptions opts;  // for the test URLs
  bool http2 = true;         // false: HTTP/1.1 server, self probes from TCP_INFO
  Duration max_duration{};
  uint64_t max_bytes = 0;
};

struct RpmDirectionOutcome {
  ResponsivenessResult result;            // RPMs, components, confidence
  std::optional<double> goodput;          // bytes/s, the last moving average
  std::vector<double> goodput_samples;    // 100 ms rates while probing
  std::vector<double> self_rtts;          // every self-probe round trip, seconds
  uint64_t down_bytes = 0, up_bytes = 0;  // body bytes read / sent
  std::optional<net::RequestFailure> failure;
  std::string summary;  // how the direction ended, for the run's detail text
};

RpmDirectionOutcome RunRpmDirection(const RpmDirectionSpec& spec, const ProbeContext& ctx);

}  // namespace hermes::probe
