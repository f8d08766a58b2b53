#include "config/responsiveness_config.h"

#include <algorithm>

#include "config/parse.h"
#include "config/yaml_util.h"

namespace hermes::config {
namespace {

using internal::MapReader;

constexpr std::string_view kWellKnownPath = "/.well-known/nq";

// A URL without a path (or with just "/") names a server: its config resource is
// at the draft's well-known path.
std::string WithDefaultPath(std::string url) {
  const size_t authority = url.find("://") + 3;
  const size_t path = url.find_first_of("/?#", authority);
  if (path == std::string::npos) return url + std::string(kWellKnownPath);
  if (url.compare(path, std::string::npos, "/") == 0) {
    return url.substr(0, path) + std::string(kWellKnownPath);
  }
  return url;
}

Status ParseDirections(const MapReader& m, ResponsivenessConfig* s) {
  if (!m.Has("directions")) return Status::Ok();
  std::vector<std::string> dirs;
  HERMES_RETURN_IF_ERROR(m.StringList("directions", &dirs));
  if (dirs.empty()) {
    return m.KeyError("directions", "must list at least one of download, upload");
  }
  static constexpr std::string_view kDirections[] = {"download", "upload"};
  const YAML::Node items = m.Get("directions");
  s->download = s->upload = false;
  for (size_t i = 0; i < dirs.size(); ++i) {
    const std::string path = internal::JoinIndex(m.PathOf("directions"), i);
    const int line = internal::LineOf(items[i]);
    HERMES_RETURN_IF_ERROR(internal::CheckOneOf(dirs[i], kDirections, path, line));
    bool& on = dirs[i] == "download" ? s->download : s->upload;
    if (on) return internal::ErrorAt(path, line, dirs[i] + " is listed twice");
    on = true;
  }
  return Status::Ok();
}

}  // namespace

uint64_t ResponsivenessConfig::MaxBytesPerRun() const {
  // The config resource and the protocol check, each tried twice in clear text (HTTP/1.1
  // and HTTP/2), each read up to its cap plus one read block.
  uint64_t bytes = 2 * (kMaxNqConfigBytes + kMaxPingBodyBytes + 2 * kPingReadBlockBytes);
  const auto seconds =
      static_cast<uint64_t>(std::chrono::ceil<std::chrono::seconds>(max_duration).count());
  const uint64_t probes = SaturatingMul(2 * kRpmMaxProbesPerSecond, seconds);
  for (bool enabled : {download, upload}) {
    if (!enabled) continue;
    bytes = SaturatingAdd(bytes, max_bytes);
    bytes = SaturatingAdd(bytes, kRpmMaxLoadConnections * kTransferReadBlockBytes);
    // Upload responses are capped like probes: one per request, at most one
    // request per connection beyond what max_bytes can fill in requests of
    // min(max_bytes, 1 GB) (1 MB each is an over-count that holds for any size).
    const uint64_t answers = probes + kRpmMaxLoadConnections + max_bytes / 1'000'000;
    bytes = SaturatingAdd(bytes, SaturatingMul(answers, kMaxPingBodyBytes));
    bytes = SaturatingAdd(bytes, kRpmMaxProbesInFlight * kPingReadBlockBytes);
  }
  return bytes;
}

Result<std::shared_ptr<const KindSettings>> ParseResponsiveness(const MapReader& m,
                                                                const KindParseContext& ctx) {
  auto s = std::make_shared<ResponsivenessConfig>();
  HERMES_RETURN_IF_ERROR(internal::ParseHttpTarget(m, ctx.base_dir, &s->target));
  s->target.url = WithDefaultPath(s->target.url);
  HERMES_RETURN_IF_ERROR(ParseDirections(m, s.get()));
  HERMES_RETURN_IF_ERROR(m.Dur("max_duration", &s->max_duration));
  if (s->max_duration < kRpmMovingAverageDistance * kRpmIntervalDuration) {
    return m.KeyError("max_duration",
                      "must be at least " +
                          FormatDuration(kRpmMovingAverageDistance * kRpmIntervalDuration) +
                          " (the draft's moving-average window of 4 intervals of 1s), got " +
                          FormatDuration(s->max_duration));
  }
  HERMES_RETURN_IF_ERROR(m.Size("max_bytes", &s->max_bytes));
  if (s->max_bytes == 0) return m.KeyError("max_bytes", "must be greater than 0");
  const int directions = (s->download ? 1 : 0) + (s->upload ? 1 : 0);
  const Duration total = directions * s->max_duration;
  if (total >= ctx.timeout) {
    return m.KeyError(
        "timeout",
        "timeout too short for the configured directions: " + FormatDuration(ctx.timeout) +
            " does not exceed " + std::to_string(directions) + " x max_duration (" +
            FormatDuration(total) + "); raise timeout or lower max_duration");
  }
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
