// Internal to metrics/: the family table, the series store, and the typed handles
// through which a published run reaches its series.
//
// kFamilies lists every family hermes exposes, in exposition order (by name). Its
// Source decides when a family is rendered: global and probe families when they
// change (and cached), listener and process families per scrape.
//
// A probe's families follow its kind's result layout (probe::KindOf(p).layout(p),
// declared with the kind's row), the single source for both the series count
// (cardinality.cc) and the series store (probe_families.cc), so the two cannot drift.
// Pointers in ProbeSeries/GlobalSeries/ListenerSeries point into their own store and
// live as long as it does; nothing is removed from a store (a reload builds new ones).
//
// Thread-safety: built by one thread; afterwards mutated and rendered only under the
// owning MetricsHub's locks.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "metrics/histogram.h"
#include "metrics/labels.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::metrics::internal {

enum class MetricType { kCounter, kGauge, kHistogram };

enum class Source {
  kGlobal,    // the exporter's own state (config, reloads, start lag): cached
  kProbe,     // one chunk per probe, re-rendered when its run is published: cached
  kListener,  // changes with every request: rendered per scrape
  kProcess,   // read from /proc: rendered per scrape
};

struct FamilyDef {
  std::string_view name;
  std::string_view help;
  MetricType type;
  Source source;
};

enum class Family : uint8_t {
  kBuildInfo,
  kReloadTimestamp,
  kReloadOk,
  kProjectedBytes,
  kExpectedLatency,
  kExpectedRpm,
  kExpectedThroughput,
  kAuthFailures,
  kConnections,
  kConnectionsRejected,
  kRequestDuration,
  kRequests,
  kHttpStatus,
  kJitterOneWay,
  kJitter,
  kLatency,
  kSeries,
  kSeriesLimit,
  kLossRatio,
  kPacketsDuplicated,
  kPacketsLostOneWay,
  kPacketsLost,
  kPacketsReordered,
  kPacketsSent,
  kDuration,
  kFailures,
  kInterval,
  kLastRun,
  kLastSuccess,
  kPhase,
  kRuns,
  kSkipped,
  kSuccess,
  kTimeout,
  kResponsivenessComponent,
  kResponsivenessConfidence,
  kResponsivenessRpm,
  kRtt,
  kStartLag,
  kThroughput,
  kThroughputSamples,
  kCertExpiry,
  kTransferred,
  kProcessCpu,
  kProcessMaxFds,
  kProcessOpenFds,
  kProcessResident,
  kProcessStartTime,
  kProcessVirtual,
};
inline constexpr size_t kNumFamilies = static_cast<size_t>(Family::kProcessVirtual) + 1;

extern const std::array<FamilyDef, kNumFamilies> kFamilies;
inline const FamilyDef& Def(Family f) { return kFamilies[static_cast<size_t>(f)]; }

inline constexpr size_t kNumHandlers = kHttpHandlers.size();
inline constexpr size_t kNumCodeClasses = kHttpCodeClasses.size();
inline constexpr size_t kNumSkipReasons = kAllSkipReasons.size();
inline constexpr size_t kNumAuthFailures = kAllAuthFailures.size();
inline constexpr size_t kNumRejectReasons = kAllConnectionRejectReasons.size();
inline constexpr size_t kNumReasons = probe::kAllFailureReasons.size();
inline constexpr size_t kNumPhases = probe::kAllPhases.size();
inline constexpr size_t kNumLoads = probe::kAllLoads.size();
inline constexpr size_t kNumDirections = probe::kAllDirections.size();
inline constexpr size_t kNumRpmComponents = probe::kAllRpmComponents.size();
inline constexpr size_t kNumRttComponents = probe::kAllRttComponents.size();

// Fixed bucket sets (seconds) of the histograms whose buckets are not configurable.
const std::vector<double>& ProbeDurationBuckets();    // 5 ms .. 300 s, 16 buckets
const std::vector<double>& StartLagBuckets();         // 1 ms .. 5 s, 12 buckets
const std::vector<double>& RequestDurationBuckets();  // 1 ms .. 5 s, 8 buckets

// Number of process_* series (see process_metrics.h).
inline constexpr int kProcessSeries = 6;

// Which optional families a probe has (see the table in metrics_hub.h).
probe::ResultLayout LayoutFor(const config::ProbeConfig& probe);

// Expected-value gauges a probe has: set in `expect` and meaningful for the kind.
bool HasExpectedThroughput(const config::ProbeConfig& p, probe::Direction d);
bool HasExpectedLatency(const config::ProbeConfig& p);
bool HasExpectedRpm(const config::ProbeConfig& p);

// Exact series counts; each histogram counts buckets + 1 (+Inf) + 2 (sum, count).
int CountProbeSeries(const config::Config& config, const config::ProbeConfig& probe);
int CountGlobalSeries();

// One series: its labels, ready to write in either format, and its value.
struct Series {
  std::string labels_text;               // `a="x",b="y"`: sorted by name, escaped, without braces
  std::string labels_proto;              // the same labels as Metric.label fields
  double value = 0;                      // counters and gauges
  std::unique_ptr<Histogram> histogram;  // histogram families
};

using LabelPair = std::pair<std::string_view, std::string_view>;

// The series of one owner (a probe, or the exporter itself), by family, in the
// order they were added. Series references stay valid while the store lives.
class SeriesStore {
 public:
  // `buckets` is required for histogram families and ignored otherwise.
  Series* Add(Family f, std::initializer_list<LabelPair> labels,
              std::shared_ptr<const BucketSet> buckets = nullptr);
  const std::vector<Series*>& Of(Family f) const { return by_family_[static_cast<size_t>(f)]; }

 private:
  std::deque<Series> storage_;
  std::array<std::vector<Series*>, kNumFamilies> by_family_;
};

// Every series of one probe. nullptr: the kind does not have that series.
struct ProbeSeries {
  const config::KindSpec* kind = nullptr;
  SeriesStore store;
  Series* success = nullptr;
  Series* runs = nullptr;
  std::array<Series*, kNumReasons> failures{};  // by FailureReason
  std::array<Series*, kNumSkipReasons> skipped{};
  Series* duration = nullptr;
  Series* last_run = nullptr;
  Series* last_success = nullptr;
  Series* interval = nullptr;
  Series* timeout = nullptr;
  std::array<Series*, kNumPhases> phase{};  // by Phase
  std::array<Series*, kNumLoads> rtt{};     // by Load
  std::array<Series*, kNumLoads> latency{};
  std::array<Series*, kNumLoads> jitter{};
  std::array<Series*, kNumLoads> packets_sent{};  // by Load
  std::array<Series*, kNumLoads> packets_lost{};
  std::array<Series*, kNumLoads> loss_ratio{};
  // By Load, then Direction.
  std::array<std::array<Series*, kNumDirections>, kNumLoads> lost_one_way{};
  std::array<std::array<Series*, kNumDirections>, kNumLoads> jitter_one_way{};
  std::array<Series*, kNumLoads> duplicated{};
  std::array<Series*, kNumLoads> reordered{};
  std::array<Series*, kNumDirections> throughput{};  // by Direction
  std::array<Series*, kNumDirections> throughput_samples{};
  std::array<Series*, kNumDirections> transferred{};
  Series* http_status = nullptr;
  Series* cert_expiry = nullptr;
  std::array<Series*, kNumDirections> expected_throughput{};
  Series* expected_latency = nullptr;
  // By Direction, then RpmComponent / RttComponent.
  std::array<std::array<Series*, kNumRpmComponents>, kNumDirections> rpm{};
  std::array<Series*, kNumDirections> rpm_confidence{};
  std::array<std::array<Series*, kNumRttComponents>, kNumDirections> rpm_component{};
  Series* expected_rpm = nullptr;
};

// The exporter's own cached series.
struct GlobalSeries {
  SeriesStore store;
  Series* start_lag = nullptr;
  Series* reload_ok = nullptr;
  Series* reload_timestamp = nullptr;
};

// The listener's series (rendered per scrape).
struct ListenerSeries {
  SeriesStore store;
  std::array<std::array<Series*, kNumCodeClasses>, kNumHandlers> requests{};
  std::array<Series*, kNumHandlers> request_duration{};
  std::array<Series*, kNumAuthFailures> auth_failures{};
  Series* connections = nullptr;
  std::array<Series*, kNumRejectReasons> rejected{};
};

// The bucket sets of one config, shared by its probes.
struct ConfigBuckets {
  explicit ConfigBuckets(const config::Config& config);
  std::shared_ptr<const BucketSet> duration, latency, throughput;
};
// Every series of `probe` at 0, config gauges set.
std::unique_ptr<ProbeSeries> BuildProbeSeries(const config::ProbeConfig& probe,
                                              const ConfigBuckets& buckets);
// The exporter's own series at 0; build_info, series/limit and the projected data
// budget set from `config`.
std::unique_ptr<GlobalSeries> BuildGlobalSeries(const config::Config& config);
std::unique_ptr<ListenerSeries> BuildListenerSeries();

// Copies what must survive a reload from `from` into the fresh `to`: counters and
// histograms (when the buckets are unchanged) and last-good gauges of probes whose
// name and kind survive; the exporter's start-lag histogram (a reload itself sets
// the reload gauges).
void CarryOverProbe(const ProbeSeries& from, ProbeSeries& to);
void CarryOverGlobal(const GlobalSeries& from, GlobalSeries& to);

}  // namespace hermes::metrics::internal
