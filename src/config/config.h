// Probe configuration (hermes.yml): plain structs with defaults, as parsed and
// validated by LoadConfigFile()/ParseConfig() in config/parse.h.
//
// Units inside hermes are base units: Duration for time, bytes (uint64_t) for
// sizes, bytes per second (double) for rates, seconds (double) for buckets.
// A Config is immutable once loaded; the running exporter shares it as
// std::shared_ptr<const Config> and swaps the pointer on reload.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/kind.h"

namespace hermes::config {

// Prometheus' tls_config keys.
struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "" (library default), "TLS12" or "TLS13"
  bool operator==(const TlsConfig&) const = default;
};

struct ExpectConfig {
  std::optional<double> download_bytes_per_second;
  std::optional<double> upload_bytes_per_second;
  std::optional<double> latency_seconds;
  std::optional<double> rpm;  // responsiveness, round trips per minute
  bool operator==(const ExpectConfig&) const = default;
};

// The path a probe means (README "The path you mean"): keys every kind takes, with
// blackbox_exporter's names and meaning.
struct PathConfig {
  std::string source_ip_address;  // an IP literal of this host; "" = the kernel's choice
  std::string interface;          // SO_BINDTODEVICE; "" = the routing table's choice
  std::string preferred_ip_protocol = "auto";  // ip4 | ip6 | auto (resolver order)
  bool ip_protocol_fallback = true;            // with ip4/ip6: the other family if needed

  // AF_INET or AF_INET6 when the probe must keep to one family (its source
  // address's, or the preferred one without fallback), else AF_UNSPEC.
  int OnlyFamily() const;
  bool operator==(const PathConfig&) const = default;
};

// One entry of `probes:`: the keys every kind has, and the kind's own settings.
struct ProbeConfig {
  std::string name;                // [a-z0-9_]{1,40}, unique
  const KindSpec* kind = nullptr;  // a row of the catalog the config was parsed with
  Duration interval{};             // integer multiple of global.scrape_interval
  Duration timeout{};              // < interval; default min(kind default, 80% of interval)
  ExpectConfig expect;             // only the kind's expect_keys are ever set
  PathConfig path;
  std::shared_ptr<const KindSettings> settings;  // the kind's settings type

  // Line of the probe's entry in the file, for messages; 0 if unknown.
  int line = 0;

  // The kind's settings as their concrete type; aborts on a mismatch, which is a
  // programming error (a probe reading another kind's settings).
  template <typename T>
  const T& Settings() const {
    const T* s = dynamic_cast<const T*>(settings.get());
    if (s == nullptr) std::abort();
    return *s;
  }

  // Field-by-field equality, `line` included, settings by value (see
  // scheduler::SameProbeConfig).
  bool operator==(const ProbeConfig& o) const;
};

struct GlobalConfig {
  Duration scrape_interval = std::chrono::seconds(15);
  std::string instance;  // "" -> host name (filled by the loader)
  int max_series = 2000;
  uint64_t monthly_data_budget = 0;        // bytes; 0 = no budget
  std::vector<double> latency_buckets;     // seconds; empty -> DefaultLatencyBuckets()
  std::vector<double> throughput_buckets;  // bytes/s; empty -> DefaultThroughputBuckets()
};

struct Config {
  GlobalConfig global;
  std::vector<ProbeConfig> probes;
  std::string source_hash;  // hex SHA-256 of the file's bytes, for /-/status

  const ProbeConfig* FindProbe(const std::string& name) const;
};

// Exponential 0.5 ms .. ~8 s (15 buckets) and 100 kB/s .. ~10 GB/s.
std::vector<double> DefaultLatencyBuckets();
std::vector<double> DefaultThroughputBuckets();

// Bucket boundaries in effect for a config (override or default).
const std::vector<double>& LatencyBuckets(const Config& c);
const std::vector<double>& ThroughputBuckets(const Config& c);

// uint64_t arithmetic that sticks at UINT64_MAX instead of wrapping (byte budgets).
uint64_t SaturatingAdd(uint64_t a, uint64_t b);
uint64_t SaturatingMul(uint64_t a, uint64_t b);

// Worst-case bytes one probe moves per 30 days: its settings' MaxBytesPerRun() x
// runs per 30 days (rounded up). Saturates at UINT64_MAX.
uint64_t ProbeMonthlyBytes(const ProbeConfig& p);

// Worst-case bytes moved per 30 days: the sum of ProbeMonthlyBytes over all probes.
uint64_t ProjectedMonthlyBytes(const Config& c);

}  // namespace hermes::config
