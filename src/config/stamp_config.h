// Settings of the stamp probe kind (README "stamp"): one STAMP test session
// (RFC 8762) against a session-reflector, and the speedtest probe's `loaded_stamp`
// stream, which shares the address syntax.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/kind.h"

namespace hermes::config {

// The STAMP numbers config needs (net/stamp_packet.h has the same, checked there).
inline constexpr int kStampDefaultPort = 862;
inline constexpr int kStampBasePacketBytes = 44;
inline constexpr int kStampMaxPacketBytes = 1452;
// A session reads at most this many datagrams per packet it sent (the reply and one
// duplicate or stray), each at most the packet's size (probe/stamp_session.h).
inline constexpr uint64_t kStampMaxDatagramsPerPacket = 2;
// Bytes one STAMP session moves at most: each packet out, and per packet the
// datagrams it may read back.
inline constexpr uint64_t StampMaxBytes(uint64_t packets, uint64_t packet_bytes) {
  return packets * packet_bytes * (1 + kStampMaxDatagramsPerPacket);
}
// How long a session waits for replies after its last packet, at least.
inline constexpr Duration kStampFinalWait = std::chrono::seconds(1);
// The speedtest's STAMP stream measures idle for at least this long before the
// first transfer starts.
inline constexpr Duration kLoadedStampIdleWindow = std::chrono::seconds(1);

struct StampConfig : KindSettingsOf<StampConfig> {
  std::string address;                                       // "host:port", port 862 if left out
  int count = 100;                                           // 1..10000 packets per run
  Duration packet_interval = std::chrono::milliseconds(20);  // 1 ms .. 10 s
  int packet_size = kStampBasePacketBytes;                   // 44..1452 (UDP payload)

  uint64_t MaxBytesPerRun() const override {
    return StampMaxBytes(static_cast<uint64_t>(count), static_cast<uint64_t>(packet_size));
  }
  bool operator==(const StampConfig&) const = default;
};

// A speedtest's `loaded_stamp`: a STAMP stream through the whole run, so that loss
// and jitter are measured idle and under each direction's load.
struct LoadedStampConfig {
  std::string address;                                // "host:port", port 862 if left out
  Duration interval = std::chrono::milliseconds(20);  // 10 ms .. 1 s
  uint32_t max_packets = 0;  // set by the parser: timeout / interval + 1, the most a run sends

  uint64_t MaxBytesPerRun() const { return StampMaxBytes(max_packets, kStampBasePacketBytes); }
  bool operator==(const LoadedStampConfig&) const = default;
};

inline constexpr std::string_view kStampKeys[] = {"address", "count", "packet_interval",
                                                  "packet_size"};

// count x packet_interval plus kStampFinalWait must fit in ctx.timeout.
Result<std::shared_ptr<const KindSettings>> ParseStamp(const internal::MapReader& m,
                                                       const KindParseContext& ctx);

namespace internal {
// Reads `key` as a reflector address into *out ("host:port", 862 by default).
Status ParseStampAddress(const MapReader& m, std::string_view key, std::string* out);
// Reads the `loaded_stamp` map of a speedtest into *out (left unset when absent).
Status ParseLoadedStamp(const MapReader& m, const KindParseContext& ctx,
                        std::optional<LoadedStampConfig>* out);
}  // namespace internal

}  // namespace hermes::config
