// The responsiveness probe against real servers on loopback: nginx as the draft's
// HTTP/2 server (its access log shows which connection carried which request), an
// HTTP/1.1 server (the fallback), and misbehaving ones.
#include "probe/responsiveness_probe.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "testing/nginx_fixture.h"
#include "testing/probe_config.h"
#include "testing/raw_server.h"
#include "testing/speed_fixture.h"
#include "testing/testing.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::NginxFixture;
using testing::NginxOptions;
using testing::SpeedFixture;

constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);
constexpr size_t kUp = static_cast<size_t>(Direction::kUpload);
constexpr size_t kTotal = static_cast<size_t>(RpmComponent::kTotal);

// nginx over TLS with HTTP/2, /upload proxied to an HTTP/1.1 upload sink.
struct TlsServer {
  TlsServer(bool http2 = true, std::string nq_json = "", std::string extra = "")
      : pki(dir.path()),
        nginx(NginxOptions{pki.Path("server.crt"), pki.Path("server.key"), http2,
                           "127.0.0.1:" + std::to_string(sink.port()), std::move(nq_json),
                           std::move(extra), /*access_log=*/true}) {}
  testing::TempDir dir;
  testing::TestPki pki;
  SpeedFixture sink;
  NginxFixture nginx;
};

config::ResponsivenessConfig RpmConfig(const std::string& url, const std::string& ca = "") {
  config::ResponsivenessConfig cfg;
  cfg.target.url = url;
  if (!ca.empty()) cfg.target.tls_config = config::TlsConfig{ca};
  cfg.max_duration = seconds(5);
  cfg.max_bytes = 50'000'000'000;
  return cfg;
}

testutil::ProbeRun RunRpm(const config::ResponsivenessConfig& cfg, Duration timeout = seconds(30)) {
  auto probe = NewResponsivenessProbe(cfg);
  EXPECT_TRUE(probe.ok()) << probe.status().message();
  return testutil::RunOnce(**probe, timeout);
}

void Report(const char* what, const ProbeResult& r) {
  for (size_t d : {kDown, kUp}) {
    const auto& rr = r.responsiveness[d];
    if (!rr.rpm[kTotal]) continue;
    std::printf(
        "[ report ] %s %s: RPM total %.0f foreign %.0f loaded %.0f, confidence %d, "
        "goodput %.1f MB/s\n",
        what, DirectionName(kAllDirections[d]).data(), *rr.rpm[kTotal], rr.rpm[0].value_or(0),
        rr.rpm[1].value_or(0), rr.confidence.value_or(-1),
        r.throughput_bytes_per_second[d].value_or(0) / 1e6);
  }
  std::printf("[ report ] %s detail: %s\n", what, r.error.c_str());
}

TEST(ResponsivenessProbeTest, MeasuresBothDirectionsOverHttp2) {
  TlsServer s;
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  const auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  const auto run = RunRpm(cfg);
  const ProbeResult& r = run.result;
  ASSERT_TRUE(r.success) << r.error;
  Report("nginx h2", r);
  EXPECT_EQ(r.error.rfind("HTTP/2", 0), 0u) << r.error;
  for (size_t d : {kDown, kUp}) {
    const ResponsivenessResult& rr = r.responsiveness[d];
    ASSERT_TRUE(rr.confidence.has_value());
    for (const auto& rpm : rr.rpm) ASSERT_TRUE(rpm && *rpm > 0);
    for (const auto& c : rr.component_seconds) ASSERT_TRUE(c && *c >= 0);
  }
  EXPECT_EQ(*r.http_status_code, 200);
  EXPECT_TRUE(r.tls_cert_expiry_unix_seconds.has_value());
  EXPECT_GT(r.transferred_bytes[kUp], 0u);
  EXPECT_LE(s.sink.up_bytes.load(), r.transferred_bytes[kUp]);
  testutil::ExpectFillsExactlyItsLayout(
      r, ResponsivenessLayout(hermes::testing::MakeProbeConfig("r", "responsiveness", cfg)));
}

TEST(ResponsivenessProbeTest, ClearTextHttp2WithPriorKnowledge) {
  SpeedFixture sink;
  NginxOptions o;
  o.upload_upstream = "127.0.0.1:" + std::to_string(sink.port());
  NginxFixture nginx(o);
  ASSERT_TRUE(nginx.running()) << nginx.error();
  auto cfg = RpmConfig(nginx.config_url());
  const auto run = RunRpm(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  Report("nginx h2c", run.result);
  EXPECT_EQ(run.result.error.rfind("HTTP/2", 0), 0u) << run.result.error;
}

}  // namespace
}  // namespace hermes::probe
