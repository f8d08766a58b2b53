// speedtest probe (SPEC section 6): idle latency, then download and upload with
// loaded latency, against the API the config names (speedtest_api.h): the
// Cloudflare-style one (`GET {url}/__down?bytes=N`, `POST {url}/__up`) that
// speed.cloudflare.com and hermes-target serve, or LibreSpeed's. The method and
// its formulas are hermes' own whichever API carries the bytes.
//
// A run: (1) one request opens a connection (its phases are the run's phases) and
// `latency.samples` pings follow on it -> latency[idle]; (2) for each enabled
// direction, the transfer engine (speedtest_transfer.h) runs while LoadedPinger
// (speedtest_latency.h) measures latency[download|upload] on its own connection and
// thread. With `loaded_stamp`, a STAMP stream (speedtest_stamp.h) runs beside the
// whole run on its own thread instead of LoadedPinger: idle for at least 1 s
// before the first transfer, then under each direction's load after its warm-up;
// its RTTs become latency[idle|download|upload], its loss and jitter go into
// packets[load], its bytes into transferred_bytes. An unusable loaded_stamp
// address fails the run (`dns`, naming the key); a reflector that does not answer
// shows as loss. Any failure ends the run with exactly one reason; bytes already moved
// stay in transferred_bytes and samples already taken stay in the result, but
// throughput and the failed direction's rate are left unset.
//
// The bearer token file is re-read at every run. Requires net::CurlGlobalInit().
// Thread-safety: one Run() at a time per object (the scheduler guarantees this).
#pragma once

#include <memory>

#include "common/status.h"
#include "config/speedtest_config.h"
#include "probe/kind.h"
#include "probe/probe.h"
#include "probe/speedtest_api.h"

namespace hermes::probe {

// A speedtest probe speaking ApiFor(cfg). Fails if the URL is not http(s).
Result<std::unique_ptr<Probe>> NewSpeedtestProbe(const config::SpeedtestConfig& cfg);

// Every phase; rtt, latency and jitter for idle and each enabled direction;
// throughput and transferred bytes per enabled direction (download always: the
// latency requests' bodies); http status and certificate expiry. With
// loaded_stamp also packets and stamp for idle and each enabled direction, and
// transferred bytes upload (the STAMP packets).
ResultLayout SpeedtestLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
