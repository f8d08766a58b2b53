// Settings of the tcp probe kind (README "tcp"): timed connects to one address.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/kind.h"

namespace hermes::config {

struct TcpConfig : KindSettingsOf<TcpConfig> {
  std::string address;  // "host:port" or "[v6]:port"
  int samples = 5;      // 1..100

  uint64_t MaxBytesPerRun() const override { return 0; }
  bool operator==(const TcpConfig&) const = default;
};

inline constexpr std::string_view kTcpKeys[] = {"address", "samples"};

Result<std::shared_ptr<const KindSettings>> ParseTcp(const internal::MapReader& m,
                                                     const KindParseContext& ctx);

}  // namespace hermes::config
