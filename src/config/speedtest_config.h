// Settings of the speedtest probe kind (README "speedtest"): an HTTP target, idle
// latency samples, and one TransferConfig per direction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "config/http_target.h"
#include "config/kind.h"
#include "config/stamp_config.h"

namespace hermes::config {

struct LatencyConfig {
  int samples = 20;  // 1..1000
  bool operator==(const LatencyConfig&) const = default;
};

// One transfer direction.
struct TransferConfig {
  bool enabled = true;
  int streams = 4;                               // 1..32
  Duration duration = std::chrono::seconds(10);  // > warmup
  Duration warmup = std::chrono::seconds(1);     // >= 0, < duration
  uint64_t max_bytes = 500ull * 1000 * 1000;     // > 0; upload default 200 MB
  // `stop: stable`: end once the goodput after warmup is stable (the responsiveness
  // draft's moving-average test), `duration` being the upper bound.
  bool stop_when_stable = false;
  bool operator==(const TransferConfig&) const = default;
};

// What one run may read beyond max_bytes, so that MaxBytesPerRun() is a true bound
// whatever the far end sends (the probe stops reading at these limits):
inline constexpr uint64_t kMaxPingBodyBytes = 4096;  // a latency request's body
// libcurl hands over up to one receive buffer before a probe can refuse it.
inline constexpr uint64_t kPingReadBlockBytes = 16 * 1024;
inline constexpr uint64_t kTransferReadBlockBytes = 512 * 1024;  // per stream
// Loaded-latency requests: one per interval while a direction runs.
inline constexpr Duration kLoadedPingInterval = std::chrono::milliseconds(200);

struct SpeedtestConfig : KindSettingsOf<SpeedtestConfig> {
  HttpTarget target;
  LatencyConfig latency;
  TransferConfig download;
  TransferConfig upload{true, 2, std::chrono::seconds(10), std::chrono::seconds(1),
                        200ull * 1000 * 1000};
  std::optional<LoadedStampConfig> loaded_stamp;

  // The enabled directions' max_bytes plus what latency requests and a far end that
  // answers more than asked can add (see the constants above), and the STAMP stream.
  uint64_t MaxBytesPerRun() const override;
  bool operator==(const SpeedtestConfig&) const = default;
};

inline constexpr std::string_view kSpeedtestOwnKeys[] = {"latency", "download", "upload",
                                                         "loaded_stamp"};
inline constexpr auto kSpeedtestKeys = JoinKeys(kHttpTargetKeys, kSpeedtestOwnKeys);
inline constexpr std::string_view kSpeedtestExpectKeys[] = {"download", "upload", "latency"};

// The enabled transfers (with loaded_stamp, also its idle window and final wait)
// must fit in ctx.timeout.
Result<std::shared_ptr<const KindSettings>> ParseSpeedtest(const internal::MapReader& m,
                                                           const KindParseContext& ctx);

}  // namespace hermes::config
