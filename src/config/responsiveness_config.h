// Settings of the responsiveness probe kind (README "responsiveness"): the RPM test of
// draft-ietf-ippm-responsiveness against a server's config resource, per direction.
//
// The draft's test parameters are constants here (they shape the data budget too);
// README "responsiveness" names where hermes departs from the draft's defaults.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "config/http_target.h"
#include "config/kind.h"
#include "config/speedtest_config.h"

namespace hermes::config {

// The draft's parameters (section "Test Parameters").
inline constexpr int kRpmMovingAverageDistance = 4;                        // MAD
inline constexpr Duration kRpmIntervalDuration = std::chrono::seconds(1);  // ID
inline constexpr double kRpmTrimmedMeanFraction = 0.95;                    // TMP
inline constexpr double kRpmStdDevTolerance = 0.05;                        // SDT
inline constexpr int kRpmMaxLoadConnections = 16;                          // MNP
inline constexpr int kRpmMaxProbesPerSecond = 100;                         // MPS
inline constexpr double kRpmProbeCapacityShare = 0.05;                     // PTC
// Probes in flight at once (foreign + self); more are not launched until some end.
inline constexpr int kRpmMaxProbesInFlight = 48;

// The config resource (JSON) is read up to this size; more fails the run.
inline constexpr uint64_t kMaxNqConfigBytes = 64 * 1024;

struct ResponsivenessConfig : KindSettingsOf<ResponsivenessConfig> {
  HttpTarget target;  // url: the config resource (default path /.well-known/nq)
  bool download = true;
  bool upload = true;
  Duration max_duration = std::chrono::seconds(20);  // per direction
  uint64_t max_bytes = 500ull * 1000 * 1000;         // per direction, load and probes

  // The config resource and the protocol check, then per enabled direction:
  // max_bytes, one read block per
  // load-generating connection, and every probe the direction can launch at its
  // body cap plus one read block for each probe in flight when one is refused.
  uint64_t MaxBytesPerRun() const override;
  bool operator==(const ResponsivenessConfig&) const = default;
};

inline constexpr std::string_view kResponsivenessOwnKeys[] = {"directions", "max_duration",
                                                              "max_bytes"};
inline constexpr auto kResponsivenessKeys = JoinKeys(kHttpTargetKeys, kResponsivenessOwnKeys);
inline constexpr std::string_view kResponsivenessExpectKeys[] = {"download", "upload", "rpm"};

// The enabled directions' max_duration must fit in ctx.timeout.
Result<std::shared_ptr<const KindSettings>> ParseResponsiveness(const internal::MapReader& m,
                                                                const KindParseContext& ctx);

}  // namespace hermes::config
