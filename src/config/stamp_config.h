// Settings of the stamp probe kind (README "stamp"): one STAMP test session
// (RFC 8762) against a session-reflector, and the speedtest probe's `loaded_stamp`
// stream, which shares the address syntax.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/kind.h"

namespace hermes::config {

// The STAMP numbers config needs (net/stamp_packet.h has the same, checked there).
inline constexpr int kStampDefaultPort = 862;
inline constexpr int kStampBasePacketBytes = 44;
inline constexpr int kStampMaxPacketBytes = 1452;
// How long a session waits for replies after its last packet, at least.
inline constexpr Duration kStampFinalWait = std::chrono::seconds(1);

struct StampConfig : KindSettingsOf<StampConfig> {
  std::string address;                                       // "host:port", port 862 if left out
  int count = 100;                                           // 1..10000 packets per run
  Duration packet_interval = std::chrono::milliseconds(20);  // 1 ms .. 10 s
  int packet_size = kStampBasePacketBytes;                   // 44..1452 (UDP payload)

  // Each packet and one reply.
  uint64_t MaxBytesPerRun() const override {
    return static_cast<uint64_t>(count) * static_cast<uint64_t>(packet_size) * 2;
  }
  bool operator==(const StampConfig&) const = default;
};

inline constexpr std::string_view kStampKeys[] = {"address", "count", "packet_interval",
                                                  "packet_size"};

// count x packet_interval plus kStampFinalWait must fit in ctx.timeout.
Result<std::shared_ptr<const KindSettings>> ParseStamp(const internal::MapReader& m,
                                                       const KindParseContext& ctx);

namespace internal {
// Reads `key` as a reflector address into *out ("host:port", 862 by default).
Status ParseStampAddress(const MapReader& m, std::string_view key, std::string* out);
}  // namespace internal

}  // namespace hermes::config
