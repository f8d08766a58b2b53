#include "config/speedtest_config.h"

#include "config/parse.h"
#include "config/yaml_util.h"

namespace hermes::config {
namespace {

using internal::MapReader;

Status ParseTransfer(const MapReader& m, std::string_view key, TransferConfig* t) {
  std::optional<MapReader> r;
  HERMES_RETURN_IF_ERROR(m.Map(key, &r));
  if (!r) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"enabled", "streams",   "duration",
                                               "warmup",  "max_bytes", "stop"};
  static constexpr std::string_view kStops[] = {"duration", "stable"};
  HERMES_RETURN_IF_ERROR(r->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(r->Bool("enabled", &t->enabled));
  HERMES_RETURN_IF_ERROR(r->Int("streams", 1, 32, &t->streams));
  HERMES_RETURN_IF_ERROR(r->Dur("duration", &t->duration));
  if (t->duration <= Duration::zero()) return r->KeyError("duration", "must be greater than 0");
  HERMES_RETURN_IF_ERROR(r->Dur("warmup", &t->warmup));
  if (t->warmup >= t->duration) {
    return r->KeyError(r->Has("warmup") ? "warmup" : "duration",
                       "warmup (" + FormatDuration(t->warmup) +
                           ") must be shorter than duration (" + FormatDuration(t->duration) + ")");
  }
  HERMES_RETURN_IF_ERROR(r->Size("max_bytes", &t->max_bytes));
  if (t->max_bytes == 0) return r->KeyError("max_bytes", "must be greater than 0");
  std::string stop = t->stop_when_stable ? "stable" : "duration";
  HERMES_RETURN_IF_ERROR(r->Enum("stop", kStops, &stop));
  t->stop_when_stable = stop == "stable";
  return Status::Ok();
}

}  // namespace

uint64_t SpeedtestConfig::MaxBytesPerRun() const {
  constexpr uint64_t kPing = kMaxPingBodyBytes + kPingReadBlockBytes;
  // The connection-opening request and the idle samples.
  uint64_t bytes = SaturatingMul(static_cast<uint64_t>(latency.samples) + 1, kPing);
  for (const TransferConfig* t : {&download, &upload}) {
    if (!t->enabled) continue;
    bytes = SaturatingAdd(bytes, t->max_bytes);
    bytes = SaturatingAdd(bytes, static_cast<uint64_t>(t->streams) * kTransferReadBlockBytes);
    // One loaded ping per interval, plus the unsampled first and one at each edge.
    const auto pings = static_cast<uint64_t>(t->duration / kLoadedPingInterval) + 3;
    bytes = SaturatingAdd(bytes, SaturatingMul(pings, kPing));
  }
  if (loaded_stamp) bytes = SaturatingAdd(bytes, loaded_stamp->MaxBytesPerRun());
  return bytes;
}

Result<std::shared_ptr<const KindSettings>> ParseSpeedtest(const MapReader& m,
                                                           const KindParseContext& ctx) {
  auto s = std::make_shared<SpeedtestConfig>();
  HERMES_RETURN_IF_ERROR(internal::ParseHttpTarget(m, ctx.base_dir, &s->target));
  std::optional<MapReader> latency;
  HERMES_RETURN_IF_ERROR(m.Map("latency", &latency));
  if (latency) {
    static constexpr std::string_view kKeys[] = {"samples"};
    HERMES_RETURN_IF_ERROR(latency->CheckKeys(kKeys));
    HERMES_RETURN_IF_ERROR(latency->Int("samples", 1, 1000, &s->latency.samples));
  }
  HERMES_RETURN_IF_ERROR(ParseTransfer(m, "download", &s->download));
  HERMES_RETURN_IF_ERROR(ParseTransfer(m, "upload", &s->upload));
  HERMES_RETURN_IF_ERROR(internal::ParseLoadedStamp(m, ctx, &s->loaded_stamp));
  Duration transfers{};
  if (s->download.enabled) transfers += s->download.duration;
  if (s->upload.enabled) transfers += s->upload.duration;
  std::string what = "the enabled download.duration + upload.duration";
  if (s->loaded_stamp) {
    transfers += kLoadedStampIdleWindow + kStampFinalWait;
    what += " + " + FormatDuration(kLoadedStampIdleWindow + kStampFinalWait) +
            " for loaded_stamp's idle window and last replies";
  }
  if (transfers >= ctx.timeout) {
    return m.KeyError("timeout", "timeout too short for the configured transfers: " +
                                     FormatDuration(ctx.timeout) + " does not exceed " + what +
                                     " (" + FormatDuration(transfers) +
                                     "); raise timeout or shorten the transfers");
  }
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
