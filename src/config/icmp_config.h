// Settings of the icmp probe kind (README "icmp"): echo requests to one host.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/kind.h"

namespace hermes::config {

// One echo request or reply as the probe counts it (ICMP message, no IP header).
inline constexpr uint64_t kIcmpEchoBytes = 64;

struct IcmpConfig : KindSettingsOf<IcmpConfig> {
  std::string host;  // name or IP address
  int samples = 10;  // 1..100

  // Each request and its reply.
  uint64_t MaxBytesPerRun() const override {
    return static_cast<uint64_t>(samples) * 2 * kIcmpEchoBytes;
  }
  bool operator==(const IcmpConfig&) const = default;
};

inline constexpr std::string_view kIcmpKeys[] = {"host", "samples"};

Result<std::shared_ptr<const KindSettings>> ParseIcmp(const internal::MapReader& m,
                                                      const KindParseContext& ctx);

}  // namespace hermes::config
