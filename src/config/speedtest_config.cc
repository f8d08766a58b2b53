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

// A path relative to the probe's url: URL path characters only, no query, no "..".
Status CheckRelativePath(const MapReader& m, std::string_view key, const std::string& path) {
  static constexpr std::string_view kPathChars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/";
  auto bad = [&](const std::string& why) {
    return m.KeyError(key, "\"" + path + "\" " + why +
                               "; write a path relative to url, e.g. garbage.php or "
                               "backend/garbage");
  };
  if (path.empty() || path.size() > 1024) return bad("must be 1 to 1024 characters");
  if (path.find_first_not_of(kPathChars) != std::string::npos) {
    return bad("may hold URL path characters only (no query, fragment or space)");
  }
  if (path.front() == '/') return bad("must not start with /");
  if (("/" + path + "/").find("/../") != std::string::npos) return bad("must not contain ..");
  return Status::Ok();
}

Status ParseApi(const MapReader& m, SpeedtestConfig* s) {
  static constexpr std::string_view kApis[] = {"cloudflare", "librespeed"};
  HERMES_RETURN_IF_ERROR(m.Enum("api", kApis, &s->api));
  std::optional<MapReader> paths;
  HERMES_RETURN_IF_ERROR(m.Map("paths", &paths));
  if (s->api != "librespeed") {
    if (paths) return m.KeyError("paths", "only for api: librespeed");
    return Status::Ok();
  }
  if (paths) {
    static constexpr std::string_view kKeys[] = {"download", "upload", "ping"};
    HERMES_RETURN_IF_ERROR(paths->CheckKeys(kKeys));
    for (auto [key, out] :
         {std::pair{"download", &s->paths.download}, std::pair{"upload", &s->paths.upload},
          std::pair{"ping", &s->paths.ping}}) {
      HERMES_RETURN_IF_ERROR(paths->String(key, out));
      HERMES_RETURN_IF_ERROR(CheckRelativePath(*paths, key, *out));
    }
  }
  // LibreSpeed moves whole chunks (and hermes sends uploads of whole chunks too).
  for (auto [key, t] : {std::pair{"download", &s->download}, std::pair{"upload", &s->upload}}) {
    if (!t->enabled || t->max_bytes >= kLibreSpeedChunkBytes) continue;
    std::optional<MapReader> r;
    HERMES_RETURN_IF_ERROR(m.Map(key, &r));
    return r->KeyError("max_bytes",
                       "must be at least 1MiB with api: librespeed (its transfers "
                       "move whole 1 MiB chunks)");
  }
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
  if (upload.enabled) {
    // Each upload request's answer, at its cap (an overlong one ends the run within
    // the read block above). Requests are at least 1 MB but the last.
    const uint64_t requests = upload.max_bytes / kMinTransferRequestBytes + 1;
    bytes = SaturatingAdd(bytes, SaturatingMul(requests, kMaxPingBodyBytes));
  }
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
  HERMES_RETURN_IF_ERROR(ParseApi(m, s.get()));
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
