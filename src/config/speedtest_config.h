// Settings of the speedtest probe kind (README "speedtest"): an HTTP target and the
// API it speaks, idle latency samples, and one TransferConfig per direction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
// The body of a latency request's answer, and of an upload's answer.
inline constexpr uint64_t kMaxPingBodyBytes = 4096;
// libcurl hands over up to one receive buffer before a probe can refuse it.
inline constexpr uint64_t kPingReadBlockBytes = 16 * 1024;
inline constexpr uint64_t kTransferReadBlockBytes = 512 * 1024;  // per stream
// A transfer request moves at least this much (but the last, which takes what is
// left of max_bytes), so a direction makes at most max_bytes / this + 1 requests.
inline constexpr uint64_t kMinTransferRequestBytes = 1000 * 1000;
// Loaded-latency requests: one per interval while a direction runs.
inline constexpr Duration kLoadedPingInterval = std::chrono::milliseconds(200);

// Where a LibreSpeed server (api: librespeed) keeps its resources, relative to the
// probe's url, as LibreSpeed's server lists write them (dlURL, ulURL, pingURL): the
// PHP backend's file names, which the Go backend also serves; the Rust backend
// serves them without ".php".
struct LibreSpeedPaths {
  std::string download = "garbage.php";
  std::string upload = "empty.php";
  std::string ping = "empty.php";
  bool operator==(const LibreSpeedPaths&) const = default;
};

// A LibreSpeed download is a whole number of these (garbage.php's ckSize chunks).
inline constexpr uint64_t kLibreSpeedChunkBytes = 1024 * 1024;

struct SpeedtestConfig : KindSettingsOf<SpeedtestConfig> {
  HttpTarget target;
  std::string api = "cloudflare";  // cloudflare | librespeed
  LibreSpeedPaths paths;           // api: librespeed only
  LatencyConfig latency;
  TransferConfig download;
  TransferConfig upload{true, 2, std::chrono::seconds(10), std::chrono::seconds(1),
                        200ull * 1000 * 1000};
  std::optional<LoadedStampConfig> loaded_stamp;

  // The enabled directions' max_bytes plus what latency requests, the answers to
  // uploads and a far end that answers more than asked can add (see above), and the
  // STAMP stream.
  uint64_t MaxBytesPerRun() const override;
  bool operator==(const SpeedtestConfig&) const = default;
};

inline constexpr std::string_view kSpeedtestOwnKeys[] = {"api",      "paths",  "latency",
                                                         "download", "upload", "loaded_stamp"};
inline constexpr auto kSpeedtestKeys = JoinKeys(kHttpTargetKeys, kSpeedtestOwnKeys);
inline constexpr std::string_view kSpeedtestExpectKeys[] = {"download", "upload", "latency"};

// The enabled transfers (with loaded_stamp, also its idle window and final wait)
// must fit in ctx.timeout.
Result<std::shared_ptr<const KindSettings>> ParseSpeedtest(const internal::MapReader& m,
                                                           const KindParseContext& ctx);

}  // namespace hermes::config
