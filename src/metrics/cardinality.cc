// Series counting (SPEC section 8), from the same per-kind layout the series store is
// built from, and the fixed bucket sets.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "metrics/families.h"
#include "metrics/metrics_hub.h"

namespace hermes::metrics {
namespace internal {

using probe::Direction;

const std::vector<double>& ProbeDurationBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                               2.5,   5,    10,    15,   30,  60,   120, 300};
  return kBuckets;
}

const std::vector<double>& StartLagBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,   0.25,   0.5,   1,    2.5,   5};
  return kBuckets;
}

const std::vector<double>& RequestDurationBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
  return kBuckets;
}

probe::ResultLayout LayoutFor(const config::ProbeConfig& p) { return probe::KindOf(p).layout(p); }

bool HasExpectedThroughput(const config::ProbeConfig& p, Direction d) {
  const auto dirs = LayoutFor(p).throughput;
  if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) return false;
  return d == Direction::kDownload ? p.expect.download_bytes_per_second.has_value()
                                   : p.expect.upload_bytes_per_second.has_value();
}

bool HasExpectedLatency(const config::ProbeConfig& p) {
  return !LayoutFor(p).loads.empty() && p.expect.latency_seconds.has_value();
}

bool HasExpectedRpm(const config::ProbeConfig& p) {
  return !LayoutFor(p).responsiveness.empty() && p.expect.rpm.has_value();
}

namespace {

int HistogramSeries(size_t buckets) { return static_cast<int>(buckets) + 3; }

}  // namespace

int CountProbeSeries(const config::Config& config, const config::ProbeConfig& p) {
  const probe::ResultLayout layout = LayoutFor(p);
  int n = 0;
  // success, runs, failures{reason}, skipped{reason}, last_run, last_success,
  // interval, timeout, duration histogram.
  n += 1 + 1 + static_cast<int>(kNumReasons) + static_cast<int>(kNumSkipReasons) + 4;
  n += HistogramSeries(ProbeDurationBuckets().size());
  n += static_cast<int>(layout.phases.size());
  const int loads = static_cast<int>(layout.loads.size());
  n += loads * (HistogramSeries(config::LatencyBuckets(config).size()) + 2);
  n += 3 * static_cast<int>(layout.packets.size());  // sent, lost, loss ratio
  // lost_one_way and jitter_one_way per direction, duplicated, reordered.
  n += (2 * static_cast<int>(kNumDirections) + 2) * static_cast<int>(layout.stamp.size());
  const int directions = static_cast<int>(layout.throughput.size());
  n += directions * (1 + HistogramSeries(config::ThroughputBuckets(config).size()));
  n += static_cast<int>(layout.transferred.size());
  if (layout.http) n += 2;
  for (Direction d : probe::kAllDirections) n += HasExpectedThroughput(p, d) ? 1 : 0;
  n += HasExpectedLatency(p) ? 1 : 0;
  // rpm{component} + confidence + component_seconds{component} per direction.
  n += static_cast<int>(layout.responsiveness.size() * (kNumRpmComponents + 1 + kNumRttComponents));
  n += HasExpectedRpm(p) ? 1 : 0;
  return n;
}

int CountGlobalSeries() {
  int n = HistogramSeries(StartLagBuckets().size());
  n += 1;  // data budget
  n += 1;  // build_info
  n += 2;  // reload ok + timestamp
  n += static_cast<int>(kNumHandlers * kNumCodeClasses);
  n += static_cast<int>(kNumHandlers) * HistogramSeries(RequestDurationBuckets().size());
  n += static_cast<int>(kNumAuthFailures);
  n += 1;  // connections
  n += static_cast<int>(kNumRejectReasons);
  n += 2;  // series, limit
  return n + kProcessSeries;
}

}  // namespace internal

int CountSeries(const config::Config& config) {
  int n = internal::CountGlobalSeries();
  for (const auto& p : config.probes) n += internal::CountProbeSeries(config, p);
  return n;
}

Status CheckSeriesBudget(const config::Config& config) {
  const int total = CountSeries(config);
  if (total <= config.global.max_series) return Status::Ok();
  std::string largest = "none";
  int largest_count = 0;
  for (const auto& p : config.probes) {
    const int n = internal::CountProbeSeries(config, p);
    if (n > largest_count) {
      largest = p.name;
      largest_count = n;
    }
  }
  return Status::Invalid("global.max_series: config needs " + std::to_string(total) +
                         " series, limit is " + std::to_string(config.global.max_series) +
                         " (largest probe: " + largest + " with " + std::to_string(largest_count) +
                         " series); raise global.max_series or reduce probes/buckets");
}

}  // namespace hermes::metrics
