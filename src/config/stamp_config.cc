#include "config/stamp_config.h"

#include "config/address_syntax.h"
#include "config/parse.h"
#include "config/yaml_util.h"

namespace hermes::config {

namespace internal {

Status ParseStampAddress(const MapReader& m, std::string_view key, std::string* out) {
  std::string address;
  HERMES_RETURN_IF_ERROR(m.Required(
      key, "the STAMP reflector as host or host:port (port 862 when left out)", &address));
  if (Status st = CheckHostPort(address, kStampDefaultPort, out); !st.ok()) {
    return m.KeyError(key, st.message());
  }
  return Status::Ok();
}

Status ParseLoadedStamp(const MapReader& m, const KindParseContext& ctx,
                        std::optional<LoadedStampConfig>* out) {
  std::optional<MapReader> r;
  HERMES_RETURN_IF_ERROR(m.Map("loaded_stamp", &r));
  if (!r) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"address", "interval"};
  HERMES_RETURN_IF_ERROR(r->CheckKeys(kKeys));
  LoadedStampConfig c;
  HERMES_RETURN_IF_ERROR(ParseStampAddress(*r, "address", &c.address));
  HERMES_RETURN_IF_ERROR(r->Dur("interval", &c.interval));
  // 10 ms at the least: the stream's records live for the whole run (timeout /
  // interval of them), and 100 packets a second already is a busy real-time flow.
  if (c.interval < std::chrono::milliseconds(10) || c.interval > std::chrono::seconds(1)) {
    return r->KeyError("interval",
                       "must be between 10ms and 1s, got " + FormatDuration(c.interval));
  }
  c.max_packets = static_cast<uint32_t>(ctx.timeout / c.interval) + 1;
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace internal

Result<std::shared_ptr<const KindSettings>> ParseStamp(const internal::MapReader& m,
                                                       const KindParseContext& ctx) {
  auto s = std::make_shared<StampConfig>();
  HERMES_RETURN_IF_ERROR(internal::ParseStampAddress(m, "address", &s->address));
  HERMES_RETURN_IF_ERROR(m.Int("count", 1, 10000, &s->count));
  HERMES_RETURN_IF_ERROR(m.Dur("packet_interval", &s->packet_interval));
  if (s->packet_interval < std::chrono::milliseconds(1) ||
      s->packet_interval > std::chrono::seconds(10)) {
    return m.KeyError("packet_interval",
                      "must be between 1ms and 10s, got " + FormatDuration(s->packet_interval));
  }
  HERMES_RETURN_IF_ERROR(
      m.Int("packet_size", kStampBasePacketBytes, kStampMaxPacketBytes, &s->packet_size));
  const Duration needed = s->packet_interval * s->count + kStampFinalWait;
  if (needed > ctx.timeout) {
    return m.KeyError("timeout", "timeout too short for the STAMP session: " +
                                     FormatDuration(ctx.timeout) + " is less than count x " +
                                     "packet_interval plus " + FormatDuration(kStampFinalWait) +
                                     " for the last replies (" + FormatDuration(needed) +
                                     "); raise timeout or lower count or packet_interval");
  }
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
