// Settings of the dns probe kind (README "dns"): one query at a chosen server or
// the system resolver.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/kind.h"

namespace hermes::config {

// The most one query exchange can move: a query (a name is at most 255 bytes) and
// an answer of at most 65535 bytes (+2 length bytes over TCP), twice when a
// truncated UDP answer is retried over TCP.
inline constexpr uint64_t kDnsMaxBytesPerRun = 2 * (512 + 65537);

struct DnsConfig : KindSettingsOf<DnsConfig> {
  std::string query;
  std::string query_type = "A";   // A AAAA CNAME MX NS PTR SOA SRV TXT
  std::string server;             // "host:port" or "" for the system resolver
  std::string transport = "udp";  // udp | tcp
  std::vector<std::string> valid_rcodes{"NOERROR"};

  uint64_t MaxBytesPerRun() const override { return kDnsMaxBytesPerRun; }
  bool operator==(const DnsConfig&) const = default;
};

inline constexpr std::string_view kDnsKeys[] = {"query", "type", "server", "transport",
                                                "valid_rcodes"};

Result<std::shared_ptr<const KindSettings>> ParseDns(const internal::MapReader& m,
                                                     const KindParseContext& ctx);

}  // namespace hermes::config
