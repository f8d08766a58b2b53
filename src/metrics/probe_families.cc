// Per-probe series: every series of every configured probe at 0, and the carry-over
// of values across a reload.
#include <string>

#include "metrics/families.h"

namespace hermes::metrics::internal {
namespace {

using F = Family;

// Value copies between two series of the same family; no-op if either is null.
void CopyValue(const Series* from, Series* to) {
  if (from != nullptr && to != nullptr) to->value = from->value;
}

// Only into a histogram with the same buckets; otherwise it starts afresh.
void CopyHistogram(const Series* from, Series* to) {
  if (from != nullptr && to != nullptr) to->histogram->CopyFrom(*from->histogram);
}

template <size_t N>
void CopyEach(const std::array<Series*, N>& from, const std::array<Series*, N>& to,
              void (*copy)(const Series*, Series*)) {
  for (size_t i = 0; i < N; ++i) copy(from[i], to[i]);
}

}  // namespace

ConfigBuckets::ConfigBuckets(const config::Config& config)
    : duration(std::make_shared<BucketSet>(ProbeDurationBuckets())),
      latency(std::make_shared<BucketSet>(config::LatencyBuckets(config))),
      throughput(std::make_shared<BucketSet>(config::ThroughputBuckets(config))) {}

std::unique_ptr<ProbeSeries> BuildProbeSeries(const config::ProbeConfig& p,
                                              const ConfigBuckets& buckets) {
  const probe::ResultLayout layout = LayoutFor(p);
  auto owned = std::make_unique<ProbeSeries>();
  ProbeSeries& s = *owned;
  SeriesStore& st = s.store;
  const LabelPair probe = {"probe", p.name};
  s.kind = p.kind;
  s.success = st.Add(F::kSuccess, {probe});
  s.runs = st.Add(F::kRuns, {probe});
  for (size_t i = 0; i < kNumReasons; ++i) {
    s.failures[i] = st.Add(
        F::kFailures, {probe, {"reason", probe::FailureReasonName(probe::kAllFailureReasons[i])}});
  }
  for (size_t i = 0; i < kNumSkipReasons; ++i) {
    s.skipped[i] = st.Add(F::kSkipped, {probe, {"reason", Label(kAllSkipReasons[i])}});
  }
  s.duration = st.Add(F::kDuration, {probe}, buckets.duration);
  s.last_run = st.Add(F::kLastRun, {probe});
  s.last_success = st.Add(F::kLastSuccess, {probe});
  s.interval = st.Add(F::kInterval, {probe});
  s.interval->value = ToSeconds(p.interval);
  s.timeout = st.Add(F::kTimeout, {probe});
  s.timeout->value = ToSeconds(p.timeout);
  for (probe::Phase ph : layout.phases) {
    s.phase[static_cast<size_t>(ph)] = st.Add(F::kPhase, {probe, {"phase", probe::PhaseName(ph)}});
  }
  for (probe::Load load : layout.loads) {
    const LabelPair l = {"load", probe::LoadName(load)};
    const auto i = static_cast<size_t>(load);
    s.rtt[i] = st.Add(F::kRtt, {probe, l}, buckets.latency);
    s.latency[i] = st.Add(F::kLatency, {probe, l});
    s.jitter[i] = st.Add(F::kJitter, {probe, l});
  }
  for (probe::Load load : layout.packets) {
    const LabelPair l = {"load", probe::LoadName(load)};
    const auto i = static_cast<size_t>(load);
    s.packets_sent[i] = st.Add(F::kPacketsSent, {probe, l});
    s.packets_lost[i] = st.Add(F::kPacketsLost, {probe, l});
    s.loss_ratio[i] = st.Add(F::kLossRatio, {probe, l});
  }
  for (probe::Load load : layout.stamp) {
    const LabelPair l = {"load", probe::LoadName(load)};
    const auto i = static_cast<size_t>(load);
    for (probe::Direction d : probe::kAllDirections) {
      const LabelPair dir = {"direction", probe::DirectionName(d)};
      s.lost_one_way[i][static_cast<size_t>(d)] = st.Add(F::kPacketsLostOneWay, {probe, l, dir});
      s.jitter_one_way[i][static_cast<size_t>(d)] = st.Add(F::kJitterOneWay, {probe, l, dir});
    }
    s.duplicated[i] = st.Add(F::kPacketsDuplicated, {probe, l});
    s.reordered[i] = st.Add(F::kPacketsReordered, {probe, l});
  }
  for (probe::Direction d : layout.throughput) {
    const LabelPair l = {"direction", probe::DirectionName(d)};
    const auto i = static_cast<size_t>(d);
    s.throughput[i] = st.Add(F::kThroughput, {probe, l});
    s.throughput_samples[i] = st.Add(F::kThroughputSamples, {probe, l}, buckets.throughput);
  }
  for (probe::Direction d : layout.transferred) {
    s.transferred[static_cast<size_t>(d)] =
        st.Add(F::kTransferred, {probe, {"direction", probe::DirectionName(d)}});
  }
  if (layout.http) {
    s.http_status = st.Add(F::kHttpStatus, {probe});
    s.cert_expiry = st.Add(F::kCertExpiry, {probe});
  }
  for (probe::Direction d : probe::kAllDirections) {
    if (!HasExpectedThroughput(p, d)) continue;
    const auto i = static_cast<size_t>(d);
    s.expected_throughput[i] =
        st.Add(F::kExpectedThroughput, {probe, {"direction", probe::DirectionName(d)}});
    s.expected_throughput[i]->value = d == probe::Direction::kDownload
                                          ? *p.expect.download_bytes_per_second
                                          : *p.expect.upload_bytes_per_second;
  }
  if (HasExpectedLatency(p)) {
    s.expected_latency = st.Add(F::kExpectedLatency, {probe});
    s.expected_latency->value = *p.expect.latency_seconds;
  }
  for (probe::Direction d : layout.responsiveness) {
    const LabelPair l = {"direction", probe::DirectionName(d)};
    const auto i = static_cast<size_t>(d);
    for (size_t c = 0; c < kNumRpmComponents; ++c) {
      s.rpm[i][c] =
          st.Add(F::kResponsivenessRpm,
                 {probe, l, {"component", probe::RpmComponentName(probe::kAllRpmComponents[c])}});
    }
    s.rpm_confidence[i] = st.Add(F::kResponsivenessConfidence, {probe, l});
    for (size_t c = 0; c < kNumRttComponents; ++c) {
      s.rpm_component[i][c] =
          st.Add(F::kResponsivenessComponent,
                 {probe, l, {"component", probe::RttComponentName(probe::kAllRttComponents[c])}});
    }
  }
  if (HasExpectedRpm(p)) {
    s.expected_rpm = st.Add(F::kExpectedRpm, {probe});
    s.expected_rpm->value = *p.expect.rpm;
  }
  return owned;
}

void CarryOverProbe(const ProbeSeries& from, ProbeSeries& to) {
  if (from.kind != to.kind) return;  // a different probe under an old name
  // Counters and histograms: never reset on reload.
  CopyValue(from.runs, to.runs);
  CopyEach(from.failures, to.failures, &CopyValue);
  CopyEach(from.skipped, to.skipped, &CopyValue);
  CopyHistogram(from.duration, to.duration);
  CopyEach(from.rtt, to.rtt, &CopyHistogram);
  CopyEach(from.packets_sent, to.packets_sent, &CopyValue);
  CopyEach(from.packets_lost, to.packets_lost, &CopyValue);
  for (size_t i = 0; i < kNumLoads; ++i) {
    CopyEach(from.lost_one_way[i], to.lost_one_way[i], &CopyValue);
    CopyEach(from.jitter_one_way[i], to.jitter_one_way[i], &CopyValue);
  }
  CopyEach(from.duplicated, to.duplicated, &CopyValue);
  CopyEach(from.reordered, to.reordered, &CopyValue);
  CopyEach(from.throughput_samples, to.throughput_samples, &CopyHistogram);
  CopyEach(from.transferred, to.transferred, &CopyValue);
  // Last-run and last-good gauges; interval, timeout and expected_* come from the
  // new config instead.
  CopyValue(from.success, to.success);
  CopyValue(from.last_run, to.last_run);
  CopyValue(from.last_success, to.last_success);
  CopyEach(from.phase, to.phase, &CopyValue);
  CopyEach(from.latency, to.latency, &CopyValue);
  CopyEach(from.jitter, to.jitter, &CopyValue);
  CopyEach(from.loss_ratio, to.loss_ratio, &CopyValue);
  CopyEach(from.throughput, to.throughput, &CopyValue);
  CopyValue(from.http_status, to.http_status);
  CopyValue(from.cert_expiry, to.cert_expiry);
  for (size_t d = 0; d < kNumDirections; ++d) {
    CopyEach(from.rpm[d], to.rpm[d], &CopyValue);
    CopyValue(from.rpm_confidence[d], to.rpm_confidence[d]);
    CopyEach(from.rpm_component[d], to.rpm_component[d], &CopyValue);
  }
}

void CarryOverGlobal(const GlobalSeries& from, GlobalSeries& to) {
  CopyHistogram(from.start_lag, to.start_lag);
}

}  // namespace hermes::metrics::internal
