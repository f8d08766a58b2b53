// Internal to metrics/: fixed bucket sets, and the Snapshot (one prometheus-cpp
// registry for one config, with direct pointers to every series so that
// publishing a run is a few pointer writes).
//
// A probe's families follow its kind's result layout (probe::KindOf(p).layout(p),
// declared with the kind's row), the single source for both the series count
// (cardinality.cc) and the registry (probe_families.cc), so the two cannot drift.
// Pointers in a Snapshot are owned by its registry and live as long as it does;
// nothing is ever removed from a registry (a reload builds a new one).
//
// Thread-safety: a Snapshot is built by one thread; afterwards its series are
// mutated and collected only under MetricsHub's mutex.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "metrics/metrics_hub.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::metrics::internal {

template <typename T, size_t N>
constexpr size_t CountOf(const T (&)[N]) {
  return N;
}

inline constexpr size_t kNumHandlers = CountOf(kHttpHandlers);
inline constexpr size_t kNumCodes = CountOf(kHttpCodes);
inline constexpr size_t kNumSkipReasons = CountOf(kSkipReasons);
inline constexpr size_t kNumAuthReasons = CountOf(kAuthFailureReasons);
inline constexpr size_t kNumRejectReasons = CountOf(kConnectionRejectReasons);
inline constexpr size_t kNumReasons = probe::kAllFailureReasons.size();
inline constexpr size_t kNumPhases = probe::kAllPhases.size();
inline constexpr size_t kNumLoads = probe::kAllLoads.size();
inline constexpr size_t kNumDirections = probe::kAllDirections.size();

// Fixed bucket sets (seconds) of the histograms whose buckets are not configurable.
const std::vector<double>& ProbeDurationBuckets();    // 5 ms .. 300 s, 16 buckets
const std::vector<double>& StartLagBuckets();         // 1 ms .. 5 s, 12 buckets
const std::vector<double>& RequestDurationBuckets();  // 1 ms .. 5 s, 8 buckets

// Number of process_* series Render() appends (see process_metrics.h).
inline constexpr int kProcessSeries = 6;

// Which optional families a probe has (see the table in metrics_hub.h).
probe::ResultLayout LayoutFor(const config::ProbeConfig& probe);

// Expected-value gauges a probe has: set in `expect` and meaningful for the kind.
bool HasExpectedThroughput(const config::ProbeConfig& p, probe::Direction d);
bool HasExpectedLatency(const config::ProbeConfig& p);

// Exact series counts; each histogram counts buckets + 1 (+Inf) + 2 (sum, count).
int CountProbeSeries(const config::Config& config, const config::ProbeConfig& probe);
int CountGlobalSeries();

// Every series of one probe. nullptr: the kind does not have that series.
struct ProbeSeries {
  const config::KindSpec* kind = nullptr;
  prometheus::Gauge* success = nullptr;
  prometheus::Counter* runs = nullptr;
  std::array<prometheus::Counter*, kNumReasons> failures{};  // by FailureReason
  std::array<prometheus::Counter*, kNumSkipReasons> skipped{};
  prometheus::Histogram* duration = nullptr;
  prometheus::Gauge* last_run = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* interval = nullptr;
  prometheus::Gauge* timeout = nullptr;
  std::array<prometheus::Gauge*, kNumPhases> phase{};   // by Phase
  std::array<prometheus::Histogram*, kNumLoads> rtt{};  // by Load
  std::array<prometheus::Gauge*, kNumLoads> latency{};
  std::array<prometheus::Gauge*, kNumLoads> jitter{};
  prometheus::Counter* packets_sent = nullptr;
  prometheus::Counter* packets_lost = nullptr;
  prometheus::Gauge* loss_ratio = nullptr;
  std::array<prometheus::Gauge*, kNumDirections> throughput{};  // by Direction
  std::array<prometheus::Histogram*, kNumDirections> throughput_samples{};
  std::array<prometheus::Counter*, kNumDirections> transferred{};
  prometheus::Gauge* http_status = nullptr;
  prometheus::Gauge* cert_expiry = nullptr;
  std::array<prometheus::Gauge*, kNumDirections> expected_throughput{};
  prometheus::Gauge* expected_latency = nullptr;
};

// The exporter's own series.
struct GlobalSeries {
  prometheus::Histogram* start_lag = nullptr;
  prometheus::Gauge* projected_bytes = nullptr;
  prometheus::Gauge* build_info = nullptr;
  prometheus::Gauge* reload_ok = nullptr;
  prometheus::Gauge* reload_timestamp = nullptr;
  std::array<std::array<prometheus::Counter*, kNumCodes>, kNumHandlers> requests{};
  std::array<prometheus::Histogram*, kNumHandlers> request_duration{};
  std::array<prometheus::Counter*, kNumAuthReasons> auth_failures{};
  prometheus::Gauge* connections = nullptr;
  std::array<prometheus::Counter*, kNumRejectReasons> rejected{};
  prometheus::Gauge* series = nullptr;
  prometheus::Gauge* series_limit = nullptr;
};

struct Snapshot {
  std::shared_ptr<const config::Config> config;
  std::unique_ptr<prometheus::Registry> registry;
  std::map<std::string, ProbeSeries, std::less<>> probes;
  GlobalSeries global;
  int series_count = 0;
};

// Registers the probe families on `registry` and adds every series of every
// probe of `config` at 0 (config gauges set) into `probes`.
void BuildProbeSeries(const config::Config& config, prometheus::Registry& registry,
                      std::map<std::string, ProbeSeries, std::less<>>& probes);
// Registers the self families and adds their series at 0; sets build_info,
// series/limit and the projected data budget from `config`.
GlobalSeries BuildGlobalSeries(const config::Config& config, prometheus::Registry& registry);

// A fresh registry for `config` with every series at 0.
std::unique_ptr<Snapshot> BuildSnapshot(std::shared_ptr<const config::Config> config);

// Copies what must survive a reload from `from` into the fresh `to`: counters and
// histograms (when the buckets are unchanged) and last-good gauges of probes whose
// name and kind survive, and the self counters, histograms and state gauges.
void CarryOverProbe(const ProbeSeries& from, ProbeSeries& to);
void CarryOverGlobal(const GlobalSeries& from, GlobalSeries& to);

// Value copies between two series of the same family shape; no-op if either is null.
void CopyCounter(const prometheus::Counter* from, prometheus::Counter* to);
void CopyGauge(const prometheus::Gauge* from, prometheus::Gauge* to);
// Copies only when both have the same bucket boundaries.
void CopyHistogram(const prometheus::Histogram* from, prometheus::Histogram* to);

}  // namespace hermes::metrics::internal
