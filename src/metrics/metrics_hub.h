// MetricsHub: every hermes_* family (SPEC section 7) plus process_* metrics, exposed
// in the text format 0.0.4 and in the protobuf format with native histograms.
//
// - Apply() builds fresh series for a config snapshot, with every series of every
//   configured probe present (0) from the start, copies counter values of probes that
//   survive a reload (so counters do not reset), and swaps them in.
// - PublishRun() applies one probe run as a unit: a concurrent scrape sees all of it
//   or none of it. A failed run sets success 0, counts the failure, and leaves
//   last-good gauges and their timestamps alone.
// - Rendered once per change: every change (a run, a skip, a reload, a start lag)
//   re-renders the series it touched into cached text and protobuf chunks and swaps
//   in a new page made of them (metrics/page.h). A scrape copies the cached page and
//   renders only the listener's and process' families, which change with every
//   request; with gzip it compresses only those (the page's parts are compressed
//   once, on first use).
// - No label value ever comes from outside the config and the closed enums
//   (metrics/labels.h). An unknown handler counts as handler="other"; unknown probes
//   are ignored.
//
// Families per probe kind (the same table drives CountSeries() and the series, see
// families.h). Common to every kind: success, runs_total, failures_total{reason}
// (9), skipped_total{reason} (4), duration_seconds (histogram), last_run and
// last_success timestamps, interval and timeout.
//
//   speedtest  phase_duration{phase=all 5}; rtt, latency, jitter{load=idle|download|upload};
//              throughput, throughput_sample, transferred{direction=download|upload};
//              http_status_code; tls_cert_expiry_timestamp; expected_* (below)
//   http       phase_duration{phase=all 5}; transferred{direction=download};
//              http_status_code; tls_cert_expiry_timestamp
//   tcp        rtt, latency, jitter{load=idle}; packets_sent, packets_lost, loss_ratio{load=idle}
//   dns        phase_duration{phase=resolve}; transferred{direction}
//   icmp       rtt, latency, jitter{load=idle}; packets_sent, packets_lost, loss_ratio{load=idle};
//              transferred{direction}
//   responsiveness  per enabled direction: rtt, latency, jitter{load=direction} (self
//              probes); throughput, throughput_sample; responsiveness_rpm{component=
//              foreign|loaded|total}, responsiveness_confidence,
//              responsiveness_component_seconds{component=tcp|tls|http|self};
//              transferred{direction}; http_status_code; tls_cert_expiry_timestamp;
//              expected_responsiveness_rpm when `expect.rpm` is set
//   stamp      rtt, latency, jitter{load=idle}; packets_sent, packets_lost, loss_ratio,
//              packets_duplicated, packets_reordered{load=idle}; packets_lost_one_way,
//              jitter_one_way{load=idle, direction}; transferred{direction}
//   speedtest with loaded_stamp: also the stamp families{load=idle|download|upload}
//
// A speedtest direction with `enabled: false` has no series of its own (no loaded
// latency, throughput or bytes for it). tcp has no phase series: each sample is a connect, so the
// RTT histogram and the latency gauge already are the connect time. dns reports one resolve time
// per run, which is its phase. hermes_expected_throughput_bytes_per_second{direction} exists when
// `expect` sets that direction and the kind has throughput; and hermes_expected_latency_seconds
// when `expect.latency` is set and the kind has latency. hermes_http_requests_total counts by
// handler and status class (2xx, 4xx, 5xx): kHttpHandlers x kHttpCodeClasses, 24 series.
//
// Within a family, series are ordered by owner (the exporter's, then probes by name),
// then in the order of the layout; labels within a series by name; a family without
// series is left out. Histograms carry classic buckets (both formats) and native
// buckets (protobuf only, see metrics/histogram.h).
//
// Gauges are written only from successful runs (last-good values), except
// hermes_probe_success, hermes_probe_last_run_timestamp_seconds,
// hermes_http_status_code (the last response, also on failure) and
// hermes_packet_loss_ratio (a measured loss of 1.0 is what a failing icmp/tcp run
// looks like; it is written whenever the run measured it). Counters and histogram
// samples always record what really happened.
//
// Thread-safety: all methods may be called concurrently. One mutex guards the probe
// and exporter series and their chunks, one the listener's series, one the current
// page. A page's text form is built when it is published; its protobuf and gzip forms
// by the first scrape that asks for them (later scrapes of that page, and scrapes
// that arrive meanwhile, wait for that one and reuse it).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "metrics/labels.h"
#include "probe/probe.h"

namespace hermes::metrics {

// Exact number of series the exposition will have for `config` (probes x label
// combinations x series per family, histograms as buckets + +Inf + sum + count),
// including the self and process metrics.
int CountSeries(const config::Config& config);
// Invalid (naming the count, the limit and the biggest probe) when over max_series.
Status CheckSeriesBudget(const config::Config& config);

enum class Format { kText, kProtobuf };
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kProtobufContentType =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
    "encoding=delimited";

struct Exposition {
  std::string body;
  bool gzip = false;  // body is a gzip member (Content-Encoding: gzip)
};

class MetricsHub {
 public:
  explicit MetricsHub(Clock& clock);
  ~MetricsHub();

  // Installs the series for `config` (see above). Call once before serving.
  void Apply(std::shared_ptr<const config::Config> config);

  void PublishRun(const std::string& probe, WallTime started, Duration duration,
                  const probe::ProbeResult& result);
  void RecordSkip(const std::string& probe, SkipReason reason);
  void ObserveStartLag(Duration lag);
  // Sets hermes_config_last_reload_* (timestamp on success). Apply() itself counts
  // as a successful load, so the first Apply() sets both to "ok, now".
  void RecordReload(bool ok);

  // Listener self-metrics. `handler` is one of kHttpHandlers (anything else counts
  // as "other"); a status outside 2xx/4xx/5xx is not counted in requests_total.
  void ObserveHttpRequest(std::string_view handler, int code, double seconds);
  void RecordAuthFailure(AuthFailure reason);
  void SetHttpConnections(int open);
  void RecordConnectionRejected(ConnectionRejectReason reason);

  // The exposition in `format`, gzip-compressed when `gzip`. Families are sorted by
  // name, so output is deterministic. Before the first Apply() only process metrics
  // are rendered.
  Exposition Expose(Format format, bool gzip);
  // Expose(Format::kText, false).body.
  std::string Render();
  // CountSeries() of the applied config; 0 before the first Apply().
  int SeriesCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::metrics
