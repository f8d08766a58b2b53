// Test support for tests/metrics: configs built as plain structs, fixed probe
// results, and a tiny parser of the text exposition.
#pragma once

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "config/config.h"
#include "probe/probe.h"

namespace hermes::metrics::testutil {

using namespace std::chrono_literals;

inline config::ProbeConfig MakeProbe(std::string name, config::ProbeKind kind,
                                     Duration interval = 60s, Duration timeout = 10s) {
  config::ProbeConfig p;
  p.name = std::move(name);
  p.kind = kind;
  p.interval = interval;
  p.timeout = timeout;
  return p;
}

// One probe of every kind; the speedtest sets every `expect` threshold.
inline config::Config FiveKindsConfig() {
  config::Config c;
  c.global.max_series = 2000;
  auto speed = MakeProbe("cloudflare", config::ProbeKind::kSpeedtest, 900s, 60s);
  speed.url = "https://speed.example.com";
  speed.expect.download_bytes_per_second = 12.5e6;
  speed.expect.upload_bytes_per_second = 2.5e6;
  speed.expect.latency_seconds = 0.03;
  c.probes.push_back(speed);
  auto http = MakeProbe("api", config::ProbeKind::kHttp, 30s, 5s);
  http.url = "https://api.example.com/healthz";
  c.probes.push_back(http);
  auto tcp = MakeProbe("gateway", config::ProbeKind::kTcp, 15s, 5s);
  tcp.address = "192.0.2.1:443";
  c.probes.push_back(tcp);
  auto dns = MakeProbe("resolver", config::ProbeKind::kDns, 30s, 5s);
  dns.query = "example.com";
  c.probes.push_back(dns);
  auto icmp = MakeProbe("upstream", config::ProbeKind::kIcmp, 15s, 5s);
  icmp.host = "192.0.2.1";
  icmp.samples = 10;
  c.probes.push_back(icmp);
  return c;
}

inline std::shared_ptr<const config::Config> Share(config::Config c) {
  return std::make_shared<const config::Config>(std::move(c));
}

// A successful speedtest result whose values all derive from `k`.
inline probe::ProbeResult SpeedtestResult(double k) {
  probe::ProbeResult r;
  r.success = true;
  for (size_t i = 0; i < r.phase_seconds.size(); ++i) r.phase_seconds[i] = 0.001 * (i + 1);
  for (size_t l = 0; l < r.latency.size(); ++l) {
    r.latency[l].samples_seconds = {0.010 * (l + 1), 0.012 * (l + 1), 0.011 * (l + 1)};
    r.latency[l].median_seconds = 0.011 * (l + 1);
    r.latency[l].jitter_seconds = 0.0015 * (l + 1);
  }
  r.throughput_bytes_per_second = {k * 1e6, k * 2e5};
  r.throughput_samples[0] = {k * 0.9e6, k * 1.1e6};
  r.throughput_samples[1] = {k * 2e5};
  r.transferred_bytes = {static_cast<uint64_t>(k * 1e7), static_cast<uint64_t>(k * 2e6)};
  r.http_status_code = 200;
  r.tls_cert_expiry_unix_seconds = 1'800'000'000;
  return r;
}

// Sample lines ("name{labels} value"), keyed by everything before the value.
inline std::map<std::string, double> ParseSamples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.rfind(' ');
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

inline int CountSampleLines(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') ++n;
  }
  return n;
}

// Value of one series; fails the calling test (via NaN) if it is missing.
inline double Value(const std::map<std::string, double>& samples, const std::string& key) {
  auto it = samples.find(key);
  return it == samples.end() ? std::nan("") : it->second;
}

}  // namespace hermes::metrics::testutil
