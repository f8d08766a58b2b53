// Probe configuration (hermes.yml): plain structs with defaults, as parsed and
// validated by LoadConfigFile()/ParseConfig() in config/parse.h.
//
// Units inside hermes are base units: Duration for time, bytes (uint64_t) for
// sizes, bytes per second (double) for rates, seconds (double) for buckets.
// A Config is immutable once loaded; the running exporter shares it as
// std::shared_ptr<const Config> and swaps the pointer on reload.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace hermes::config {

enum class ProbeKind { kSpeedtest, kHttp, kTcp, kDns, kIcmp };
const char* ProbeKindName(ProbeKind kind);

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

struct LatencyConfig {
  int samples = 20;  // 1..1000
  bool operator==(const LatencyConfig&) const = default;
};

// One transfer direction of a speedtest probe.
struct TransferConfig {
  bool enabled = true;
  int streams = 4;                               // 1..32
  Duration duration = std::chrono::seconds(10);  // > warmup
  Duration warmup = std::chrono::seconds(1);     // >= 0, < duration
  uint64_t max_bytes = 500ull * 1000 * 1000;     // > 0; upload default 200 MB
  bool operator==(const TransferConfig&) const = default;
};

struct ExpectConfig {
  std::optional<double> download_bytes_per_second;
  std::optional<double> upload_bytes_per_second;
  std::optional<double> latency_seconds;
  bool operator==(const ExpectConfig&) const = default;
};

struct ProbeConfig {
  std::string name;  // [a-z0-9_]{1,40}, unique
  ProbeKind kind = ProbeKind::kTcp;
  Duration interval{};  // integer multiple of global.scrape_interval
  Duration timeout{};   // < interval; default min(kind default, 80% of interval)
  std::map<std::string, std::string> headers;  // http, speedtest
  std::optional<TlsConfig> tls_config;         // http, speedtest
  std::string bearer_token_file;               // http, speedtest

  // speedtest and http
  std::string url;

  // speedtest
  LatencyConfig latency;
  TransferConfig download;
  TransferConfig upload{true, 2, std::chrono::seconds(10), std::chrono::seconds(1),
                        200ull * 1000 * 1000};
  ExpectConfig expect;

  // http
  std::vector<int> valid_status_codes;  // empty: any 2xx
  bool follow_redirects = true;
  int max_redirects = 10;
  uint64_t max_body_bytes = 10ull * 1024 * 1024;
  std::string method = "GET";

  // tcp ("host:port"), icmp (host)
  std::string address;
  std::string host;
  int samples = 5;  // tcp default 5, icmp default 10; 1..100

  // dns
  std::string query;
  std::string query_type = "A";   // A AAAA CNAME MX NS PTR SOA SRV TXT
  std::string server;             // "host:port" or "" for the system resolver
  std::string transport = "udp";  // udp | tcp
  std::vector<std::string> valid_rcodes{"NOERROR"};

  // Line of the probe's entry in the file, for messages; 0 if unknown.
  int line = 0;

  // Field-by-field equality, `line` included (see scheduler::SameProbeConfig).
  bool operator==(const ProbeConfig&) const = default;
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

// True for kinds that move bulk data and must not run concurrently with each other.
bool IsBulk(ProbeKind kind);

// Worst-case bytes one probe moves per 30 days: for speedtest probes, the enabled
// directions' max_bytes x runs per 30 days (rounded up); 0 for other kinds.
// Saturates at UINT64_MAX.
uint64_t ProbeMonthlyBytes(const ProbeConfig& p);

// Worst-case bytes moved per 30 days: the sum of ProbeMonthlyBytes over all probes.
uint64_t ProjectedMonthlyBytes(const Config& c);

}  // namespace hermes::config
