// Speedtest latency: idle RTT samples on one warm connection, and the loaded-latency
// pinger that runs beside a bulk transfer on its own connection and thread.
//
// RTT of one ping (`GET {url}{api.ping_path}`) = t_first - t_send minus the
// server's own processing time when the API reports it in Server-Timing (largest
// dur=, in ms), clamped at 0. A ping's body is read up to kMaxPingBodyBytes (more
// fails as `protocol`) and counted. Both instants are hermes' own, read from ctx.clock: t_send in
// CURLOPT_PREREQFUNCTION (connection ready, request not yet written), t_first in
// the header callback at the final response's status line. libcurl's PRETRANSFER
// is not used: 7.88 stamps it after writing the request, so a ping thread
// descheduled in between read short (never long). The run's phase timings still
// come from libcurl's timers (net::ReadPhaseTimes).
//
// Thread-safety: MeasureIdleLatency runs on the caller's thread. LoadedPinger owns
// one thread ("hermes-ping") between Start() and Stop(); its public methods are
// called from the probe's thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/mutex.h"
#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/probe.h"
#include "probe/speedtest_api.h"

namespace hermes::probe {

// Seconds of RTT: `wire` (t_first - t_send) minus the processing time reported in
// the `server_timing` header value ("" if absent), clamped at 0.
double RttSeconds(Duration wire, const std::string& server_timing);

// Performs one ping on `h` (blocking) and adds the body bytes it read to
// `*received`. Aborts when `ctx` expires or is cancelled, or when `stop` (may be
// null) becomes true. Returns the RTT or the failure. With `cert_not_after`, also
// reads the server certificate's notAfter (Unix seconds) while the connection is
// certainly open (in the header callback).
std::variant<double, net::RequestFailure> PingOnce(net::EasyHandle& h, const SpeedtestApi& api,
                                                   const ProbeContext& ctx,
                                                   const std::atomic<bool>* stop,
                                                   uint64_t* received,
                                                   std::optional<double>* cert_not_after = nullptr);

// `samples` idle pings on one connection after a first, unsampled request that
// opens it; that first request's phases go into result->phase_seconds. Samples go
// into result->latency[idle] (summarized), body bytes into
// result->transferred_bytes[download]. Returns the first failure, if any.
std::optional<net::RequestFailure> MeasureIdleLatency(const std::string& base_url,
                                                      const SpeedtestApi& api,
                                                      const net::RequestOptions& opts,
                                                      const ProbeContext& ctx, int samples,
                                                      ProbeResult* result);

// Pings every 200 ms on a dedicated connection and thread while a transfer runs, so
// that a busy transfer loop cannot delay the ping's timestamps. Only pings sent at
// or after `count_from` (the transfer's warm-up instant) become samples: a link
// that is not yet loaded says nothing about loaded latency. Failed pings are
// dropped (the transfer itself decides whether the run fails).
class LoadedPinger {
 public:
  static constexpr Duration kInterval = config::kLoadedPingInterval;

  // `api` and `ctx` must outlive the pinger.
  LoadedPinger(std::string base_url, const SpeedtestApi& api, const net::RequestOptions& opts,
               const ProbeContext& ctx);
  ~LoadedPinger();  // stops and joins
  LoadedPinger(const LoadedPinger&) = delete;
  LoadedPinger& operator=(const LoadedPinger&) = delete;

  void Start(SteadyTime count_from);
  // Stops (aborting an in-flight ping), joins, and returns the samples in order.
  std::vector<double> Stop();
  // Body bytes the pings read; valid after Stop().
  uint64_t received_bytes() const { return received_; }

 private:
  void Loop();

  const std::string base_url_;
  const SpeedtestApi& api_;
  const net::RequestOptions opts_;
  const ProbeContext& ctx_;
  SteadyTime count_from_{};
  std::atomic<bool> stop_{false};
  // Guards no data: stop_ is atomic, and is stored under mu_ only so that the
  // loop cannot miss cv_'s wakeup between checking it and waiting.
  Mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  std::vector<double> samples_;  // written by the thread; read after join
  uint64_t received_ = 0;        // likewise
};

}  // namespace hermes::probe
