// Per-probe families: registration of every series of every configured probe at 0,
// and the carry-over of values across a reload.
#include <prometheus/client_metric.h>

#include <string>

#include "metrics/families.h"

namespace hermes::metrics::internal {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

// Every per-probe family, registered once per registry.
struct ProbeFamilies {
  explicit ProbeFamilies(prometheus::Registry& r)
      : success(G(r, "hermes_probe_success",
                  "1 if the last completed run of the probe succeeded, else 0.")),
        runs(C(r, "hermes_probe_runs_total", "Completed probe runs.")),
        failures(C(r, "hermes_probe_failures_total", "Failed probe runs, by reason.")),
        skipped(C(r, "hermes_probe_skipped_total",
                  "Planned probe runs that were not started, by reason.")),
        duration(H(r, "hermes_probe_duration_seconds", "Duration of probe runs.")),
        last_run(G(r, "hermes_probe_last_run_timestamp_seconds",
                   "Unix time at which the last run of the probe completed.")),
        last_success(G(r, "hermes_probe_last_success_timestamp_seconds",
                       "Unix time at which the last successful run of the probe completed.")),
        interval(G(r, "hermes_probe_interval_seconds", "Configured interval between runs.")),
        timeout(G(r, "hermes_probe_timeout_seconds", "Configured timeout of one run.")),
        phase(G(r, "hermes_probe_phase_duration_seconds",
                "Duration of each phase of the last successful run.")),
        rtt(H(r, "hermes_rtt_seconds", "Round-trip time samples, by load.")),
        latency(G(r, "hermes_latency_seconds",
                  "Median round-trip time of the last successful run, by load.")),
        jitter(G(r, "hermes_jitter_seconds",
                 "Mean absolute difference of consecutive round-trip times of the last "
                 "successful run, by load.")),
        packets_sent(C(r, "hermes_packets_sent_total", "Packets or connects attempted.")),
        packets_lost(C(r, "hermes_packets_lost_total", "Packets or connects that got no answer.")),
        loss_ratio(G(r, "hermes_packet_loss_ratio",
                     "Fraction (0-1) of packets lost in the last run that measured loss.")),
        throughput(G(r, "hermes_throughput_bytes_per_second",
                     "Throughput after warm-up of the last successful run, by direction.")),
        throughput_samples(H(r, "hermes_throughput_sample_bytes_per_second",
                             "Throughput over 100 ms intervals, by direction.")),
        transferred(
            C(r, "hermes_transferred_bytes_total", "Bytes moved by the probe, by direction.")),
        http_status(G(r, "hermes_http_status_code", "HTTP status code of the last response.")),
        cert_expiry(G(r, "hermes_tls_cert_expiry_timestamp_seconds",
                      "Unix time at which the target's TLS certificate expires, as of the "
                      "last successful run.")),
        expected_throughput(G(r, "hermes_expected_throughput_bytes_per_second",
                              "Expected throughput from the probe's expect config.")),
        expected_latency(G(r, "hermes_expected_latency_seconds",
                           "Expected idle latency from the probe's expect config.")) {}

  static prometheus::Family<Gauge>& G(prometheus::Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  }
  static prometheus::Family<Counter>& C(prometheus::Registry& r, const char* name,
                                        const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  }
  static prometheus::Family<Histogram>& H(prometheus::Registry& r, const char* name,
                                          const char* help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
  }

  prometheus::Family<Gauge>& success;
  prometheus::Family<Counter>& runs;
  prometheus::Family<Counter>& failures;
  prometheus::Family<Counter>& skipped;
  prometheus::Family<Histogram>& duration;
  prometheus::Family<Gauge>& last_run;
  prometheus::Family<Gauge>& last_success;
  prometheus::Family<Gauge>& interval;
  prometheus::Family<Gauge>& timeout;
  prometheus::Family<Gauge>& phase;
  prometheus::Family<Histogram>& rtt;
  prometheus::Family<Gauge>& latency;
  prometheus::Family<Gauge>& jitter;
  prometheus::Family<Counter>& packets_sent;
  prometheus::Family<Counter>& packets_lost;
  prometheus::Family<Gauge>& loss_ratio;
  prometheus::Family<Gauge>& throughput;
  prometheus::Family<Histogram>& throughput_samples;
  prometheus::Family<Counter>& transferred;
  prometheus::Family<Gauge>& http_status;
  prometheus::Family<Gauge>& cert_expiry;
  prometheus::Family<Gauge>& expected_throughput;
  prometheus::Family<Gauge>& expected_latency;
};

Labels With(const Labels& base, const char* key, std::string_view value) {
  Labels l = base;
  l.emplace(key, std::string(value));
  return l;
}

ProbeSeries AddProbe(ProbeFamilies& f, const config::Config& config, const config::ProbeConfig& p) {
  const probe::ResultLayout layout = LayoutFor(p);
  const Labels base = {{"probe", p.name}};
  ProbeSeries s;
  s.kind = p.kind;
  s.success = &f.success.Add(base);
  s.runs = &f.runs.Add(base);
  for (size_t i = 0; i < kNumReasons; ++i) {
    s.failures[i] = &f.failures.Add(
        With(base, "reason", probe::FailureReasonName(probe::kAllFailureReasons[i])));
  }
  for (size_t i = 0; i < kNumSkipReasons; ++i) {
    s.skipped[i] = &f.skipped.Add(With(base, "reason", kSkipReasons[i]));
  }
  s.duration = &f.duration.Add(base, ProbeDurationBuckets());
  s.last_run = &f.last_run.Add(base);
  s.last_success = &f.last_success.Add(base);
  s.interval = &f.interval.Add(base);
  s.interval->Set(ToSeconds(p.interval));
  s.timeout = &f.timeout.Add(base);
  s.timeout->Set(ToSeconds(p.timeout));
  for (probe::Phase ph : layout.phases) {
    s.phase[static_cast<size_t>(ph)] = &f.phase.Add(With(base, "phase", probe::PhaseName(ph)));
  }
  for (probe::Load load : layout.loads) {
    const Labels l = With(base, "load", probe::LoadName(load));
    const auto i = static_cast<size_t>(load);
    s.rtt[i] = &f.rtt.Add(l, config::LatencyBuckets(config));
    s.latency[i] = &f.latency.Add(l);
    s.jitter[i] = &f.jitter.Add(l);
  }
  if (layout.packets) {
    s.packets_sent = &f.packets_sent.Add(base);
    s.packets_lost = &f.packets_lost.Add(base);
    s.loss_ratio = &f.loss_ratio.Add(base);
  }
  for (probe::Direction d : layout.throughput) {
    const Labels l = With(base, "direction", probe::DirectionName(d));
    const auto i = static_cast<size_t>(d);
    s.throughput[i] = &f.throughput.Add(l);
    s.throughput_samples[i] = &f.throughput_samples.Add(l, config::ThroughputBuckets(config));
  }
  for (probe::Direction d : layout.transferred) {
    s.transferred[static_cast<size_t>(d)] =
        &f.transferred.Add(With(base, "direction", probe::DirectionName(d)));
  }
  if (layout.http) {
    s.http_status = &f.http_status.Add(base);
    s.cert_expiry = &f.cert_expiry.Add(base);
  }
  for (probe::Direction d : probe::kAllDirections) {
    if (!HasExpectedThroughput(p, d)) continue;
    const auto i = static_cast<size_t>(d);
    s.expected_throughput[i] =
        &f.expected_throughput.Add(With(base, "direction", probe::DirectionName(d)));
    s.expected_throughput[i]->Set(d == probe::Direction::kDownload
                                      ? *p.expect.download_bytes_per_second
                                      : *p.expect.upload_bytes_per_second);
  }
  if (HasExpectedLatency(p)) {
    s.expected_latency = &f.expected_latency.Add(base);
    s.expected_latency->Set(*p.expect.latency_seconds);
  }
  return s;
}

template <typename T, size_t N>
void CopyEach(const std::array<T*, N>& from, const std::array<T*, N>& to,
              void (*copy)(const T*, T*)) {
  for (size_t i = 0; i < N; ++i) copy(from[i], to[i]);
}

}  // namespace

void BuildProbeSeries(const config::Config& config, prometheus::Registry& registry,
                      std::map<std::string, ProbeSeries, std::less<>>& probes) {
  ProbeFamilies families(registry);
  for (const auto& p : config.probes) probes[p.name] = AddProbe(families, config, p);
}

void CopyCounter(const Counter* from, Counter* to) {
  if (from == nullptr || to == nullptr) return;
  to->Increment(from->Value() - to->Value());
}

void CopyGauge(const Gauge* from, Gauge* to) {
  if (from == nullptr || to == nullptr) return;
  to->Set(from->Value());
}

void CopyHistogram(const Histogram* from, Histogram* to) {
  if (from == nullptr || to == nullptr) return;
  const prometheus::ClientMetric src = from->Collect();
  const prometheus::ClientMetric dst = to->Collect();
  const auto& a = src.histogram.bucket;
  const auto& b = dst.histogram.bucket;
  if (a.size() != b.size()) return;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].upper_bound != b[i].upper_bound) return;  // buckets changed: start afresh
  }
  if (dst.histogram.sample_count != 0) return;  // only into a fresh histogram
  std::vector<double> increments(a.size());
  uint64_t previous = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    increments[i] = static_cast<double>(a[i].cumulative_count - previous);
    previous = a[i].cumulative_count;
  }
  to->ObserveMultiple(increments, src.histogram.sample_sum);
}

void CarryOverProbe(const ProbeSeries& from, ProbeSeries& to) {
  if (from.kind != to.kind) return;  // a different probe under an old name
  // Counters and histograms: never reset on reload.
  CopyCounter(from.runs, to.runs);
  CopyEach(from.failures, to.failures, &CopyCounter);
  CopyEach(from.skipped, to.skipped, &CopyCounter);
  CopyHistogram(from.duration, to.duration);
  CopyEach(from.rtt, to.rtt, &CopyHistogram);
  CopyCounter(from.packets_sent, to.packets_sent);
  CopyCounter(from.packets_lost, to.packets_lost);
  CopyEach(from.throughput_samples, to.throughput_samples, &CopyHistogram);
  CopyEach(from.transferred, to.transferred, &CopyCounter);
  // Last-run and last-good gauges; interval, timeout and expected_* come from the
  // new config instead.
  CopyGauge(from.success, to.success);
  CopyGauge(from.last_run, to.last_run);
  CopyGauge(from.last_success, to.last_success);
  CopyEach(from.phase, to.phase, &CopyGauge);
  CopyEach(from.latency, to.latency, &CopyGauge);
  CopyEach(from.jitter, to.jitter, &CopyGauge);
  CopyGauge(from.loss_ratio, to.loss_ratio);
  CopyEach(from.throughput, to.throughput, &CopyGauge);
  CopyGauge(from.http_status, to.http_status);
  CopyGauge(from.cert_expiry, to.cert_expiry);
}

}  // namespace hermes::metrics::internal
