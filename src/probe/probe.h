// Probe: one measurement kind (speedtest, http, tcp, dns, icmp, stamp) behind one function.
//
// The scheduler calls Run() on a worker thread with a context that carries the
// probe's config, its one deadline and a cancellation flag. Run() must return by
// the deadline (every blocking call uses what remains of it) and must poll
// `cancelled` at least every 100 ms. A probe never touches the metrics registry: it
// returns a ProbeResult value, which metrics publishes atomically.
//
// Thread-safety: a Probe object is used by one run at a time (the scheduler never
// overlaps a probe with itself), but different probes run concurrently.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/failure_reason.h"
#include "config/config.h"

namespace hermes::probe {

// The closed failure vocabulary lives in a leaf header (common/), shared with net/.
using ::hermes::FailureReason;
using ::hermes::FailureReasonName;
using ::hermes::kAllFailureReasons;

enum class Phase { kResolve, kConnect, kTls, kProcessing, kTransfer };
inline constexpr std::array<Phase, 5> kAllPhases = {Phase::kResolve, Phase::kConnect, Phase::kTls,
                                                    Phase::kProcessing, Phase::kTransfer};
std::string_view PhaseName(Phase p);

// Which load an RTT sample was taken under.
enum class Load { kIdle, kDownload, kUpload };
inline constexpr std::array<Load, 3> kAllLoads = {Load::kIdle, Load::kDownload, Load::kUpload};
std::string_view LoadName(Load l);

enum class Direction { kDownload, kUpload };
inline constexpr std::array<Direction, 2> kAllDirections = {Direction::kDownload,
                                                            Direction::kUpload};
std::string_view DirectionName(Direction d);

// Responsiveness (draft-ietf-ippm-responsiveness): RPM of foreign probes, of self
// probes on the load-generating connections ("loaded") and their mean ("total").
enum class RpmComponent { kForeign, kLoaded, kTotal };
inline constexpr std::array<RpmComponent, 3> kAllRpmComponents = {
    RpmComponent::kForeign, RpmComponent::kLoaded, RpmComponent::kTotal};
std::string_view RpmComponentName(RpmComponent c);

// The round trips RPM is computed from: a foreign probe's TCP handshake, TLS time
// per handshake round trip and HTTP request; a self probe's HTTP request.
enum class RttComponent { kTcp, kTls, kHttp, kSelf };
inline constexpr std::array<RttComponent, 4> kAllRttComponents = {
    RttComponent::kTcp, RttComponent::kTls, RttComponent::kHttp, RttComponent::kSelf};
std::string_view RttComponentName(RttComponent c);

// RTT samples taken under one load, with the run's summary of them.
struct LatencyResult {
  std::vector<double> samples_seconds;  // every sample, for the histogram
  std::optional<double> median_seconds;
  std::optional<double> jitter_seconds;  // mean |s[i] - s[i-1]|
};

// One direction of a responsiveness run.
struct ResponsivenessResult {
  std::array<std::optional<double>, kAllRpmComponents.size()> rpm;  // by RpmComponent
  // Single-sided trimmed means over the final window, seconds; by RttComponent.
  std::array<std::optional<double>, kAllRttComponents.size()> component_seconds;
  std::optional<int> confidence;  // 0 low, 1 medium, 2 high (the draft's definitions)
};

// Test packets sent under one load: tcp connects, icmp echoes, STAMP packets.
struct PacketResult {
  uint64_t sent = 0;
  uint64_t lost = 0;  // got no answer
  std::optional<double> loss_ratio;
  // STAMP only (ResultLayout::stamp): where packets were lost, indexed by Direction
  // (kUpload: hermes -> reflector, kDownload: reflector -> hermes; losses whose
  // direction is unknown count in `lost` only), the mean absolute IPDV per
  // direction, and duplicated and reordered replies.
  std::array<uint64_t, 2> lost_one_way{};
  std::array<std::optional<double>, 2> jitter_one_way_seconds;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
};

struct ProbeResult {
  bool success = false;
  std::optional<FailureReason> reason;  // set iff !success
  // Why the run failed, or on success an optional detail (how a responsiveness test
  // ended), for logs and /-/status; never a label value.
  std::string error;

  // Set when the target answered 429/503 with Retry-After: the scheduler pauses the
  // probe until then.
  std::optional<Duration> retry_after;

  // Values below are optional: unset means "not measured in this run". Metrics
  // publishes gauges only on success; counters (packets, bytes) and histogram samples
  // always, since they record what really happened.
  std::array<std::optional<double>, kAllPhases.size()> phase_seconds;
  std::array<LatencyResult, kAllLoads.size()> latency;               // indexed by Load
  std::array<PacketResult, kAllLoads.size()> packets;                // indexed by Load
  std::array<std::optional<double>, 2> throughput_bytes_per_second;  // by Direction
  std::array<std::vector<double>, 2> throughput_samples;             // 100 ms rates
  std::array<uint64_t, 2> transferred_bytes{};                       // by Direction
  std::optional<int> http_status_code;
  std::optional<double> tls_cert_expiry_unix_seconds;
  std::array<ResponsivenessResult, 2> responsiveness;  // by Direction

  static ProbeResult Failure(FailureReason r, std::string error) {
    ProbeResult res;
    res.reason = r;
    res.error = std::move(error);
    return res;
  }
};

struct ProbeContext {
  const config::ProbeConfig& config;
  const config::Config& global;  // whole snapshot (buckets, instance)
  Clock& clock;
  SteadyTime deadline;                 // the run's one deadline
  const std::atomic<bool>& cancelled;  // set on shutdown or reload

  Duration Remaining() const { return deadline - clock.SteadyNow(); }
  bool Expired() const { return clock.SteadyNow() >= deadline || cancelled.load(); }
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual ProbeResult Run(const ProbeContext& ctx) = 0;
};

// Statistics helpers shared by the probes (median of a copy; jitter as the mean
// absolute difference of consecutive samples, in sample order).
std::optional<double> Median(std::vector<double> samples);
std::optional<double> Jitter(const std::vector<double>& samples);
// Fills median and jitter from samples.
void Summarize(LatencyResult& r);

}  // namespace hermes::probe
