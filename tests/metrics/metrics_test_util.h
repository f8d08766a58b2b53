// Test support for tests/metrics: configs built as plain structs, fixed probe
// results, and a tiny parser of the text exposition.
#pragma once

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/dns_config.h"
#include "config/http_config.h"
#include "config/icmp_config.h"
#include "config/responsiveness_config.h"
#include "config/speedtest_config.h"
#include "config/stamp_config.h"
#include "config/tcp_config.h"
#include "metrics/metrics_hub.h"
#include "probe/probe.h"
#include "testing/probe_config.h"

namespace hermes::metrics::testutil {

using namespace std::chrono_literals;

// A probe of built-in kind `kind` with that kind's default settings.
inline config::ProbeConfig MakeProbe(std::string name, std::string_view kind,
                                     Duration interval = 60s, Duration timeout = 10s) {
  using hermes::testing::MakeProbeConfig;
  if (kind == "speedtest")
    return MakeProbeConfig(name, kind, config::SpeedtestConfig{}, interval, timeout);
  if (kind == "http") return MakeProbeConfig(name, kind, config::HttpConfig{}, interval, timeout);
  if (kind == "tcp") return MakeProbeConfig(name, kind, config::TcpConfig{}, interval, timeout);
  if (kind == "dns") return MakeProbeConfig(name, kind, config::DnsConfig{}, interval, timeout);
  if (kind == "responsiveness") {
    return MakeProbeConfig(name, kind, config::ResponsivenessConfig{}, interval, timeout);
  }
  if (kind == "stamp") {
    return MakeProbeConfig(name, kind, config::StampConfig{}, interval, timeout);
  }
  return MakeProbeConfig(name, kind, config::IcmpConfig{}, interval, timeout);
}

// One probe of every kind; the speedtest sets every `expect` threshold, the
// responsiveness probe its RPM.
inline config::Config AllKindsConfig() {
  config::Config c;
  c.global.max_series = 2000;
  auto speed = MakeProbe("cloudflare", "speedtest", 900s, 60s);
  speed.expect.download_bytes_per_second = 12.5e6;
  speed.expect.upload_bytes_per_second = 2.5e6;
  speed.expect.latency_seconds = 0.03;
  c.probes.push_back(speed);
  c.probes.push_back(MakeProbe("api", "http", 30s, 5s));
  c.probes.push_back(MakeProbe("gateway", "tcp", 15s, 5s));
  c.probes.push_back(MakeProbe("resolver", "dns", 30s, 5s));
  c.probes.push_back(MakeProbe("upstream", "icmp", 15s, 5s));
  auto rpm = MakeProbe("rpm", "responsiveness", 3600s, 60s);
  rpm.expect.rpm = 1000;
  c.probes.push_back(rpm);
  c.probes.push_back(MakeProbe("branch", "stamp", 15s, 5s));
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

inline const WallTime kFixedStart = WallTime(std::chrono::seconds(1'700'000'100));

// A hub with every kind of probe and self metric touched by fixed values.
inline void PublishFixedResults(MetricsHub& hub) {
  hub.PublishRun("cloudflare", kFixedStart, 20500ms, testutil::SpeedtestResult(10));
  hub.RecordSkip("cloudflare", SkipReason::kBandwidthBusy);

  probe::ProbeResult api;
  api.success = true;
  api.phase_seconds = {0.004, 0.012, 0.025, 0.031, 0.002};
  api.http_status_code = 200;
  api.tls_cert_expiry_unix_seconds = 1'750'000'000;
  api.transferred_bytes = {1234, 0};
  hub.PublishRun("api", kFixedStart, 74ms, api);

  probe::ProbeResult tcp;
  tcp.success = true;
  tcp.latency[0].samples_seconds = {0.002, 0.003, 0.0025, 0.0021, 0.0024};
  probe::Summarize(tcp.latency[0]);
  tcp.packets[0].sent = 5;
  tcp.packets[0].loss_ratio = 0;
  hub.PublishRun("gateway", kFixedStart, 13ms, tcp);

  auto dns = probe::ProbeResult::Failure(probe::FailureReason::kDns, "SERVFAIL");
  dns.transferred_bytes = {45, 29};  // the answer came, with a failing rcode
  hub.PublishRun("resolver", kFixedStart, 41ms, dns);

  probe::ProbeResult icmp;
  icmp.success = true;
  icmp.latency[0].samples_seconds = {0.0011, 0.0012, 0.0013, 0.0011, 0.0019,
                                     0.0012, 0.0011, 0.0014, 0.0012};
  probe::Summarize(icmp.latency[0]);
  icmp.packets[0].sent = 10;
  icmp.packets[0].lost = 1;
  icmp.packets[0].loss_ratio = 0.1;
  icmp.transferred_bytes = {9 * 64, 10 * 64};
  hub.PublishRun("upstream", kFixedStart, 9s, icmp);

  probe::ProbeResult rpm;
  rpm.success = true;
  for (size_t d = 0; d < 2; ++d) {
    auto& lat = rpm.latency[d + 1];  // load = download, upload
    lat.samples_seconds = {0.030 + 0.01 * d, 0.050, 0.045};
    probe::Summarize(lat);
    rpm.throughput_bytes_per_second[d] = 6.1e6 / (d + 1);
    rpm.throughput_samples[d] = {6e6 / (d + 1), 6.2e6 / (d + 1)};
    auto& rr = rpm.responsiveness[d];
    rr.rpm = {1500.0 / (d + 1), 1000.0 / (d + 1), 1250.0 / (d + 1)};
    rr.component_seconds = {0.04, 0.041, 0.039, 0.06 * (d + 1)};
    rr.confidence = static_cast<int>(2 - d);
  }
  rpm.transferred_bytes = {120'000'000, 45'000'000};
  rpm.http_status_code = 200;
  rpm.tls_cert_expiry_unix_seconds = 1'760'000'000;
  hub.PublishRun("rpm", kFixedStart, 17s, rpm);

  probe::ProbeResult stamp;
  stamp.success = true;
  stamp.latency[0].samples_seconds = {0.0041, 0.0043, 0.0040, 0.0052};
  stamp.latency[0].median_seconds = 0.0042;
  stamp.latency[0].jitter_seconds = 0.0005;
  probe::PacketResult& sp = stamp.packets[0];
  sp.sent = 6;
  sp.lost = 2;
  sp.loss_ratio = 2.0 / 6;
  sp.lost_one_way = {1, 1};  // download (reflector -> hermes), upload
  sp.jitter_one_way_seconds = {0.0002, 0.0004};
  sp.duplicated = 1;
  sp.reordered = 1;
  stamp.transferred_bytes = {5 * 44, 6 * 44};
  hub.PublishRun("branch", kFixedStart, 1200ms, stamp);

  hub.ObserveStartLag(4ms);
  hub.ObserveHttpRequest("metrics", 200, 0.0008);
  hub.ObserveHttpRequest("metrics", 200, 0.0012);
  hub.ObserveHttpRequest("trigger", 409, 0.0001);
  hub.RecordAuthFailure(AuthFailure::kInvalid);
  hub.SetHttpConnections(2);
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

// The decompressed contents of a gzip body (empty when it is not valid gzip).
inline std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return "";
  std::string out;
  char buf[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  }
  const bool complete = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  return complete ? out : "";
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
