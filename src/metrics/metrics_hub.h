// MetricsHub: every hermes_* family (SPEC section 7) on a prometheus-cpp registry,
// plus process_* metrics, rendered in text format 0.0.4.
//
// - Apply() builds a fresh registry for a config snapshot, with every series of
//   every configured probe present (0) from the start, copies counter values of
//   probes that survive a reload (so counters do not reset), and swaps it in. A
//   scrape renders either the old or the new registry, never a half-built one.
// - PublishRun() applies one probe run as a unit: a concurrent Render() sees all of
//   it or none of it. A failed run sets success 0, counts the failure, and leaves
//   last-good gauges and their timestamps alone.
// - No label value ever comes from outside the config and the closed enums. A
//   Record*/Observe* call with an unknown probe, handler, code or reason never
//   creates a series: unknown handlers and codes count under "other", unknown
//   probes and reasons are ignored.
//
// Families per probe kind (the same table drives CountSeries() and the registry,
// see families.h). Common to every kind: success, runs_total, failures_total{reason}
// (9), skipped_total{reason} (4), duration_seconds (histogram), last_run and
// last_success timestamps, interval and timeout.
//
//   speedtest  phase_duration{phase=all 5}; rtt, latency, jitter{load=idle|download|upload};
//              throughput, throughput_sample, transferred{direction=download|upload};
//              http_status_code; tls_cert_expiry_timestamp; expected_* (below)
//   http       phase_duration{phase=all 5}; transferred{direction=download};
//              http_status_code; tls_cert_expiry_timestamp
//   tcp        rtt, latency, jitter{load=idle}; packets_sent, packets_lost, loss_ratio
//   dns        phase_duration{phase=resolve}
//   icmp       rtt, latency, jitter{load=idle}; packets_sent, packets_lost, loss_ratio
//
// A speedtest direction with `enabled: false` has no series of its own (no loaded
// latency, throughput or bytes for it). tcp has no phase series: each sample is a connect, so the
// RTT histogram and the latency gauge already are the connect time. dns reports one resolve time
// per run, which is its phase. hermes_expected_throughput_bytes_per_second{direction} exists when
// `expect` sets that direction and the kind has throughput; and hermes_expected_latency_seconds
// when `expect.latency` is set and the kind has latency. hermes_http_requests_total is the full
// kHttpHandlers x kHttpCodes product so that its size does not depend on which codes the listener
// happens to send; a code outside kHttpCodes counts as code="other".
//
// Gauges are written only from successful runs (last-good values), except
// hermes_probe_success, hermes_probe_last_run_timestamp_seconds,
// hermes_http_status_code (the last response, also on failure) and
// hermes_packet_loss_ratio (a measured loss of 1.0 is what a failing icmp/tcp run
// looks like; it is written whenever the run measured it). Counters and histogram
// samples always record what really happened.
//
// Thread-safety: all methods may be called concurrently. One mutex guards the
// current registry; PublishRun(), Apply()'s swap and Render()'s Collect take it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "probe/probe.h"

namespace hermes::metrics {

// Exact number of series the exposition will have for `config` (probes x label
// combinations x series per family, histograms as buckets + +Inf + sum + count),
// including the self and process metrics.
int CountSeries(const config::Config& config);
// Invalid (naming the count, the limit and the biggest probe) when over max_series.
Status CheckSeriesBudget(const config::Config& config);

// The closed set of handler labels for hermes_http_* metrics.
inline constexpr const char* kHttpHandlers[] = {"metrics", "landing", "healthy", "ready",
                                                "status",  "reload",  "trigger", "other"};
// The closed set of code labels of hermes_http_requests_total ("other": any other).
inline constexpr const char* kHttpCodes[] = {"200", "202", "400", "401", "404",
                                             "405", "408", "409", "411", "413",
                                             "429", "431", "500", "503", "other"};
// Closed label sets of the other enums (SPEC section 7).
inline constexpr const char* kSkipReasons[] = {"overrun", "bandwidth_busy", "retry_after",
                                               "budget"};
inline constexpr const char* kAuthFailureReasons[] = {"missing", "malformed", "invalid"};
inline constexpr const char* kConnectionRejectReasons[] = {
    "max_connections", "max_connections_per_ip", "tls_handshake"};

class MetricsHub {
 public:
  explicit MetricsHub(Clock& clock);
  ~MetricsHub();

  // Installs the registry for `config` (see above). Call once before serving.
  void Apply(std::shared_ptr<const config::Config> config);

  void PublishRun(const std::string& probe, WallTime started, Duration duration,
                  const probe::ProbeResult& result);
  void RecordSkip(const std::string& probe, std::string_view reason);  // SPEC skip reasons
  void ObserveStartLag(Duration lag);
  // Sets hermes_config_last_reload_* (timestamp on success). Apply() itself counts
  // as a successful load, so the first Apply() sets both to "ok, now".
  void RecordReload(bool ok);

  // Listener self-metrics; labels must come from the closed sets.
  void ObserveHttpRequest(std::string_view handler, int code, double seconds);
  void RecordAuthFailure(std::string_view reason);  // missing | malformed | invalid
  void SetHttpConnections(int open);
  void RecordConnectionRejected(std::string_view reason);

  // Text exposition (format 0.0.4) of everything, process metrics refreshed.
  // Families are sorted by name and series by labels, so output is deterministic.
  // Before the first Apply() only process metrics are rendered.
  std::string Render();
  // CountSeries() of the applied config; 0 before the first Apply().
  int SeriesCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::metrics
