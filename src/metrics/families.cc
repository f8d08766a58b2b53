// The family table and the series store.
#include "metrics/families.h"

#include <algorithm>
#include <cstdlib>

#include "metrics/proto_format.h"
#include "metrics/text_format.h"

namespace hermes::metrics::internal {

using MT = MetricType;
using S = Source;

constexpr std::array<FamilyDef, kNumFamilies> kFamilies = {{
    {"hermes_build_info", "Build metadata of the running hermes; always 1.", MT::kGauge,
     S::kGlobal},
    {"hermes_config_last_reload_success_timestamp_seconds",
     "Unix time of the last successful configuration load.", MT::kGauge, S::kGlobal},
    {"hermes_config_last_reload_successful", "1 if the last configuration load succeeded, else 0.",
     MT::kGauge, S::kGlobal},
    {"hermes_data_budget_projected_bytes",
     "Worst-case bytes the configured probes move per 30 days.", MT::kGauge, S::kGlobal},
    {"hermes_expected_latency_seconds", "Expected idle latency from the probe's expect config.",
     MT::kGauge, S::kProbe},
    {"hermes_expected_responsiveness_rpm",
     "Expected responsiveness from the probe's expect config.", MT::kGauge, S::kProbe},
    {"hermes_expected_throughput_bytes_per_second",
     "Expected throughput from the probe's expect config.", MT::kGauge, S::kProbe},
    {"hermes_http_auth_failures_total", "Requests rejected by authentication, by reason.",
     MT::kCounter, S::kListener},
    {"hermes_http_connections", "Open HTTP connections.", MT::kGauge, S::kListener},
    {"hermes_http_connections_rejected_total",
     "Connections refused or dropped before a request, by reason.", MT::kCounter, S::kListener},
    {"hermes_http_request_duration_seconds", "Time to answer HTTP requests, by handler.",
     MT::kHistogram, S::kListener},
    {"hermes_http_requests_total", "HTTP requests answered, by handler and status class.",
     MT::kCounter, S::kListener},
    {"hermes_http_status_code", "HTTP status code of the last response.", MT::kGauge, S::kProbe},
    {"hermes_jitter_one_way_seconds",
     "Mean absolute one-way delay variation (IPDV, RFC 3393) between consecutive STAMP packets "
     "of the last successful run, by load and direction.",
     MT::kGauge, S::kProbe},
    {"hermes_jitter_seconds",
     "Mean absolute difference of consecutive round-trip times of the last successful run, by "
     "load.",
     MT::kGauge, S::kProbe},
    {"hermes_latency_seconds", "Median round-trip time of the last successful run, by load.",
     MT::kGauge, S::kProbe},
    {"hermes_metrics_series", "Series in this exposition, as computed from the config.", MT::kGauge,
     S::kGlobal},
    {"hermes_metrics_series_limit", "Configured series budget (global.max_series).", MT::kGauge,
     S::kGlobal},
    {"hermes_packet_loss_ratio",
     "Fraction (0-1) of packets lost in the last run that measured loss, by load.", MT::kGauge,
     S::kProbe},
    {"hermes_packets_duplicated_total", "STAMP replies received more than once, by load.",
     MT::kCounter, S::kProbe},
    {"hermes_packets_lost_one_way_total",
     "STAMP packets lost, by load and by the direction they were lost in (upload: to the "
     "reflector, download: back); losses whose direction is unknown count in "
     "hermes_packets_lost_total only.",
     MT::kCounter, S::kProbe},
    {"hermes_packets_lost_total", "Packets or connects that got no answer, by load.", MT::kCounter,
     S::kProbe},
    {"hermes_packets_reordered_total",
     "STAMP packets whose reply came after a later packet's, by load.", MT::kCounter, S::kProbe},
    {"hermes_packets_sent_total", "Packets or connects attempted, by load.", MT::kCounter,
     S::kProbe},
    {"hermes_probe_duration_seconds", "Duration of probe runs.", MT::kHistogram, S::kProbe},
    {"hermes_probe_failures_total", "Failed probe runs, by reason.", MT::kCounter, S::kProbe},
    {"hermes_probe_interval_seconds", "Configured interval between runs.", MT::kGauge, S::kProbe},
    {"hermes_probe_last_run_timestamp_seconds",
     "Unix time at which the last run of the probe completed.", MT::kGauge, S::kProbe},
    {"hermes_probe_last_success_timestamp_seconds",
     "Unix time at which the last successful run of the probe completed.", MT::kGauge, S::kProbe},
    {"hermes_probe_phase_duration_seconds", "Duration of each phase of the last successful run.",
     MT::kGauge, S::kProbe},
    {"hermes_probe_runs_total", "Completed probe runs.", MT::kCounter, S::kProbe},
    {"hermes_probe_skipped_total", "Planned probe runs that were not started, by reason.",
     MT::kCounter, S::kProbe},
    {"hermes_probe_success", "1 if the last completed run of the probe succeeded, else 0.",
     MT::kGauge, S::kProbe},
    {"hermes_probe_timeout_seconds", "Configured timeout of one run.", MT::kGauge, S::kProbe},
    {"hermes_responsiveness_component_seconds",
     "Trimmed-mean round trip of each responsiveness component (tcp, tls, http, self) of the "
     "last successful run.",
     MT::kGauge, S::kProbe},
    {"hermes_responsiveness_confidence",
     "Confidence of the last successful responsiveness result: 0 low, 1 medium, 2 high.",
     MT::kGauge, S::kProbe},
    {"hermes_responsiveness_rpm",
     "Responsiveness in round trips per minute of the last successful run, by direction and "
     "component (foreign, loaded, total).",
     MT::kGauge, S::kProbe},
    {"hermes_rtt_seconds", "Round-trip time samples, by load.", MT::kHistogram, S::kProbe},
    {"hermes_scheduler_start_lag_seconds", "Delay between a run's planned and actual start.",
     MT::kHistogram, S::kGlobal},
    {"hermes_throughput_bytes_per_second",
     "Throughput after warm-up of the last successful run, by direction.", MT::kGauge, S::kProbe},
    {"hermes_throughput_sample_bytes_per_second", "Throughput over 100 ms intervals, by direction.",
     MT::kHistogram, S::kProbe},
    {"hermes_tls_cert_expiry_timestamp_seconds",
     "Unix time at which the target's TLS certificate expires, as of the last successful run.",
     MT::kGauge, S::kProbe},
    {"hermes_transferred_bytes_total", "Bytes moved by the probe, by direction.", MT::kCounter,
     S::kProbe},
    {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MT::kCounter,
     S::kProcess},
    {"process_max_fds", "Maximum number of open file descriptors.", MT::kGauge, S::kProcess},
    {"process_open_fds", "Number of open file descriptors.", MT::kGauge, S::kProcess},
    {"process_resident_memory_bytes", "Resident memory size in bytes.", MT::kGauge, S::kProcess},
    {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
     MT::kGauge, S::kProcess},
    {"process_virtual_memory_bytes", "Virtual memory size in bytes.", MT::kGauge, S::kProcess},
}};

namespace {

// The exposition lists families by name; the enum follows the table.
constexpr bool SortedByName(const std::array<FamilyDef, kNumFamilies>& t) {
  for (size_t i = 1; i < t.size(); ++i) {
    if (!(t[i - 1].name < t[i].name)) return false;
  }
  return true;
}

static_assert(SortedByName(kFamilies), "kFamilies (and Family) must be sorted by name");

// A page has one slot per run of families rendered per scrape, and a slot renders
// every family of its source (page.h): a source split in two runs would be written
// twice. A new listener family must sort next to the others (hermes_http_...).
constexpr bool PerScrapeSourcesAreContiguous(const std::array<FamilyDef, kNumFamilies>& t) {
  for (size_t i = 1; i < t.size(); ++i) {
    const Source s = t[i].source;
    if (s == Source::kGlobal || s == Source::kProbe || t[i - 1].source == s) continue;
    for (size_t j = 0; j + 1 < i; ++j) {
      if (t[j].source == s) return false;  // s started a second run at i
    }
  }
  return true;
}

static_assert(PerScrapeSourcesAreContiguous(kFamilies),
              "the families of each per-scrape Source must be adjacent in kFamilies");

}  // namespace

Series* SeriesStore::Add(Family f, std::initializer_list<LabelPair> labels,
                         std::shared_ptr<const BucketSet> buckets) {
  std::vector<LabelPair> sorted(labels);
  std::sort(sorted.begin(), sorted.end());
  Series& s = storage_.emplace_back();
  for (const auto& [name, value] : sorted) {
    if (!s.labels_text.empty()) s.labels_text += ',';
    s.labels_text += name;
    s.labels_text += "=\"";
    AppendLabelValue(s.labels_text, value);
    s.labels_text += '"';
    const size_t mark = proto::BeginMessage(s.labels_proto, 1);  // Metric.label
    proto::AppendBytes(s.labels_proto, 1, name);                 // LabelPair.name
    proto::AppendBytes(s.labels_proto, 2, value);                // LabelPair.value
    proto::EndMessage(s.labels_proto, mark);
  }
  if (Def(f).type == MetricType::kHistogram) {
    if (!buckets) std::abort();  // a histogram family without buckets is a programming error
    s.histogram = std::make_unique<Histogram>(std::move(buckets));
  }
  by_family_[static_cast<size_t>(f)].push_back(&s);
  return &s;
}

}  // namespace hermes::metrics::internal
