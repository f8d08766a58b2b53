// Defaults and derived values of the probe configuration; see config.h.
#include "config/config.h"

#include <sys/socket.h>

#include <cmath>
#include <limits>

#include "config/address_syntax.h"

namespace hermes::config {
namespace {

constexpr Duration kBudgetPeriod = std::chrono::hours(24 * 30);

}  // namespace

uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    return std::numeric_limits<uint64_t>::max();
  }
  return a * b;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

int PathConfig::OnlyFamily() const {
  bool unspecified = false;
  if (const int f = internal::IpLiteralFamily(source_ip_address, &unspecified); f != 0) return f;
  if (ip_protocol_fallback || preferred_ip_protocol == "auto") return AF_UNSPEC;
  return preferred_ip_protocol == "ip4" ? AF_INET : AF_INET6;
}

bool ProbeConfig::operator==(const ProbeConfig& o) const {
  const bool same_settings =
      settings == o.settings ||
      (settings != nullptr && o.settings != nullptr && settings->Equals(*o.settings));
  return name == o.name && kind == o.kind && interval == o.interval && timeout == o.timeout &&
         expect == o.expect && path == o.path && line == o.line && same_settings;
}

const ProbeConfig* Config::FindProbe(const std::string& name) const {
  for (const ProbeConfig& p : probes) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<double> DefaultLatencyBuckets() {
  std::vector<double> buckets;
  for (double b = 0.0005; buckets.size() < 15; b *= 2) buckets.push_back(b);
  return buckets;  // 0.0005 .. 8.192 s
}

std::vector<double> DefaultThroughputBuckets() {
  // Three buckets per decade (x10^(1/3), rounded), 100 kB/s .. 10 GB/s.
  static constexpr double kSteps[] = {1.0, 2.15, 4.64};
  std::vector<double> buckets;
  for (double decade = 1e5; decade < 1e10; decade *= 10) {
    for (double step : kSteps) buckets.push_back(std::round(decade * step));
  }
  buckets.push_back(1e10);
  return buckets;  // 16 buckets
}

const std::vector<double>& LatencyBuckets(const Config& c) {
  static const std::vector<double> kDefault = DefaultLatencyBuckets();
  return c.global.latency_buckets.empty() ? kDefault : c.global.latency_buckets;
}

const std::vector<double>& ThroughputBuckets(const Config& c) {
  static const std::vector<double> kDefault = DefaultThroughputBuckets();
  return c.global.throughput_buckets.empty() ? kDefault : c.global.throughput_buckets;
}

uint64_t ProbeMonthlyBytes(const ProbeConfig& p) {
  if (p.settings == nullptr || p.interval <= Duration::zero()) return 0;
  // Worst case: a partial run at the end of the period still moves everything.
  const auto runs = static_cast<uint64_t>((kBudgetPeriod + p.interval - Duration(1)) / p.interval);
  return SaturatingMul(p.settings->MaxBytesPerRun(), runs);
}

uint64_t ProjectedMonthlyBytes(const Config& c) {
  uint64_t total = 0;
  for (const ProbeConfig& p : c.probes) total = SaturatingAdd(total, ProbeMonthlyBytes(p));
  return total;
}

}  // namespace hermes::config
