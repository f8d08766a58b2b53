// The responsiveness probe against real servers on loopback: nginx as the draft's
// HTTP/2 server (its access log shows which connection carried which request), an
// HTTP/1.1 server (the draft's fallback), and misbehaving ones. hermes-target as the
// far end is tested in tests/target.
#include "probe/responsiveness_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "testing/nginx_fixture.h"
#include "testing/probe_config.h"
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

// nginx over TLS, /upload proxied to an HTTP/1.1 upload sink, access log on. /large
// is paced (10 MB/s per connection unless set) so that a shared test machine's CPU,
// not nginx's single worker busy encrypting, is what the probes wait for.
struct TlsServer {
  explicit TlsServer(NginxOptions o = {}) : nginx(Options(std::move(o))) {}
  NginxOptions Options(NginxOptions o) {
    o.cert_file = pki.Path("server.crt");
    o.key_file = pki.Path("server.key");
    o.upload_upstream = "127.0.0.1:" + std::to_string(sink.port());
    o.access_log = true;
    if (o.large_rate.empty()) o.large_rate = "10m";
    return o;
  }
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture sink;
  NginxFixture nginx;
};

// The Cloudflare-style API of SpeedFixture as an HTTP/1.1 RPM server: its config
// resource names /__down?bytes=1, a 100 GB /__down and /__up on `host`:<port>.
struct Http1Server {
  explicit Http1Server(std::string host = "127.0.0.1", std::string test_endpoint = "")
      : fx({}, [this, host, test_endpoint](httplib::Server& s) {
          s.Get("/.well-known/nq",
                [this, host, test_endpoint](const httplib::Request& req, httplib::Response& res) {
                  token_seen = req.has_header("Authorization");
                  const std::string o = "http://" + host + ":" + std::to_string(fx.port());
                  std::string body = R"({"version": 1, "urls": {"small_https_download_url": ")" +
                                     o + R"(/__down?bytes=1", "large_https_download_url": ")" + o +
                                     R"(/__down?bytes=100000000000", "https_upload_url": ")" + o +
                                     R"(/__up"})";
                  if (!test_endpoint.empty())
                    body += R"(, "test_endpoint": ")" + test_endpoint + "\"";
                  res.set_content(body + "}", "application/json");
                });
        }) {}
  std::string config_url() const { return fx.url() + "/.well-known/nq"; }
  std::atomic<bool> token_seen{false};
  SpeedFixture fx;
};

config::ResponsivenessConfig RpmConfig(const std::string& url, const std::string& ca = "") {
  config::ResponsivenessConfig cfg;
  cfg.target.url = url;
  if (!ca.empty()) cfg.target.tls_config = config::TlsConfig{ca};
  cfg.max_duration = seconds(5);
  cfg.max_bytes = 50'000'000'000;  // loopback: max_duration ends the directions
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
        "[ report ] %s %s: RPM total %.0f foreign %.0f loaded %.0f, confidence %d, goodput %.1f "
        "MB/s\n",
        what, DirectionName(kAllDirections[d]).data(), *rr.rpm[kTotal], rr.rpm[0].value_or(0),
        rr.rpm[1].value_or(0), rr.confidence.value_or(-1),
        r.throughput_bytes_per_second[d].value_or(0) / 1e6);
  }
  std::printf("[ report ] %s detail: %s\n", what, r.error.c_str());
}

void ExpectFailure(const ProbeResult& r, FailureReason reason, const std::string& text) {
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value()) << r.error;
  EXPECT_EQ(FailureReasonName(*r.reason), FailureReasonName(reason)) << r.error;
  EXPECT_NE(r.error.find(text), std::string::npos) << r.error;
  for (const auto& rr : r.responsiveness) EXPECT_FALSE(rr.rpm[kTotal].has_value());
}

// One request per line: "<connection serial> <requests on it> <method> <uri> <status> <auth>".
struct LogLine {
  std::string conn, method, uri, auth;
  int requests_on_conn = 0, status = 0;
};
std::vector<LogLine> ParseLog(const std::string& text) {
  std::vector<LogLine> out;
  std::istringstream in(text);
  LogLine l;
  while (in >> l.conn >> l.requests_on_conn >> l.method >> l.uri >> l.status >> l.auth) {
    out.push_back(l);
  }
  return out;
}

TEST(ResponsivenessProbeTest, MeasuresBothDirectionsOverHttp2) {
  TlsServer s;
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  const auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  const auto run = RunRpm(cfg);
  const ProbeResult& r = run.result;
  ASSERT_TRUE(r.success) << r.error;
  Report("nginx h2", r);
  EXPECT_EQ(r.error.rfind("HTTP/2; download: ", 0), 0u) << r.error;
  for (size_t d : {kDown, kUp}) {
    const ResponsivenessResult& rr = r.responsiveness[d];
    ASSERT_TRUE(rr.confidence.has_value());
    for (const auto& rpm : rr.rpm) ASSERT_TRUE(rpm && *rpm > 0);
    for (const auto& c : rr.component_seconds) ASSERT_TRUE(c && *c >= 0);
    // RPM is 60 over the trimmed-mean round trips (rpm_math_test checks the formula).
    const double self = *rr.component_seconds[static_cast<size_t>(RttComponent::kSelf)];
    EXPECT_NEAR(*rr.rpm[static_cast<size_t>(RpmComponent::kLoaded)], 60 / std::max(self, 1e-6),
                1e-6 * 60 / std::max(self, 1e-6));
  }
  EXPECT_EQ(*r.http_status_code, 200);
  EXPECT_TRUE(r.tls_cert_expiry_unix_seconds.has_value());
  // The sink cannot have read more than hermes counted as sent.
  EXPECT_GT(r.transferred_bytes[kUp], 0u);
  EXPECT_LE(s.sink.up_bytes.load(), r.transferred_bytes[kUp]);
  testutil::ExpectFillsExactlyItsLayout(
      r, ResponsivenessLayout(hermes::testing::MakeProbeConfig("r", "responsiveness", cfg)));
}

// The draft's two probe kinds, seen from the server: a self probe arrives on a
// connection that carries the large download; a foreign probe is the only request
// of its connection.
TEST(ResponsivenessProbeTest, SelfProbesRideLoadConnectionsForeignProbesOpenTheirOwn) {
  TlsServer s;
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  cfg.upload = false;
  const auto run = RunRpm(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  // nginx logs a request when it ends, and an LGC's aborted /large may reach the log
  // late or (on a loaded host, seen 30 s after hermes closed the connection) not at
  // all. The log's request number on the connection tells without it: an LGC's /large
  // is its connection's first request, so a probe numbered 2 or more rode one; a
  // foreign probe is the first and only request of its connection.
  const std::vector<LogLine> log = ParseLog(s.nginx.AccessLog());
  std::map<std::string, int> requests;
  for (const auto& l : log) ++requests[l.conn];
  std::set<std::string> load_conns;
  int self = 0, foreign = 0;
  for (const auto& l : log) {
    if (l.uri == "/large") load_conns.insert(l.conn);
    if (l.uri != "/small") continue;
    if (l.requests_on_conn >= 2) {
      load_conns.insert(l.conn);
      ++self;
    } else {
      EXPECT_EQ(requests[l.conn], 1) << "a foreign probe shared connection " << l.conn;
      ++foreign;
    }
  }
  for (const auto& l : log) {
    if (l.requests_on_conn == 1 && load_conns.count(l.conn) > 0) {
      EXPECT_EQ(l.uri, "/large") << "a self probe rode connection " << l.conn;
    }
  }
  std::printf("[ report ] %zu load-generating connections, %d self probes, %d foreign probes\n",
              load_conns.size(), self, foreign);
  EXPECT_GE(load_conns.size(), 2u);
  EXPECT_LE(load_conns.size(), 16u);
  EXPECT_GT(self, 0);
  EXPECT_GT(foreign, 1);  // the discovery request is one of them
}

TEST(ResponsivenessProbeTest, Http1ServerFallsBackToTheTransportRtt) {
  Http1Server s;
  auto cfg = RpmConfig(s.config_url());
  const auto run = RunRpm(cfg);
  const ProbeResult& r = run.result;
  ASSERT_TRUE(r.success) << r.error;
  Report("http/1.1", r);
  EXPECT_EQ(r.error.rfind("HTTP/1.1 (self probes from TCP_INFO RTT)", 0), 0u) << r.error;
  for (size_t d : {kDown, kUp}) {
    ASSERT_TRUE(r.responsiveness[d].rpm[kTotal].has_value());
    EXPECT_TRUE(r.responsiveness[d].component_seconds[static_cast<size_t>(RttComponent::kSelf)]);
    // No TLS: the foreign RPM has no tls component.
    EXPECT_FALSE(r.responsiveness[d].component_seconds[static_cast<size_t>(RttComponent::kTls)]);
  }
  EXPECT_LE(s.fx.up_bytes.load(), r.transferred_bytes[kUp]);
  testutil::ExpectFillsExactlyItsLayout(
      r, ResponsivenessLayout(hermes::testing::MakeProbeConfig("r", "responsiveness", cfg)));
}

TEST(ResponsivenessProbeTest, TlsServerWithoutHttp2FallsBack) {
  NginxOptions o;
  o.http2 = false;
  TlsServer s(o);
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  cfg.upload = false;
  const auto run = RunRpm(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_EQ(run.result.error.rfind("HTTP/1.1", 0), 0u) << run.result.error;
  EXPECT_TRUE(
      run.result.responsiveness[kDown].component_seconds[static_cast<size_t>(RttComponent::kTls)]);
}

// nginx's clear-text HTTP/2 needs prior knowledge; libcurl before 8.0 cannot put a
// second stream on such a connection (curl#10634), so hermes says so.
TEST(ResponsivenessProbeTest, ClearTextHttp2OnlyServer) {
  SpeedFixture sink;
  NginxOptions o;
  o.upload_upstream = "127.0.0.1:" + std::to_string(sink.port());
  NginxFixture nginx(o);
  ASSERT_TRUE(nginx.running()) << nginx.error();
  auto cfg = RpmConfig(nginx.config_url());
  cfg.upload = false;
  const ProbeResult r = RunRpm(cfg).result;
  if (curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000) {
    ASSERT_TRUE(r.success) << r.error;
    EXPECT_EQ(r.error.rfind("HTTP/2", 0), 0u) << r.error;
  } else {
    ExpectFailure(r, FailureReason::kProtocol, "serve the test URLs over https");
  }
}

TEST(ResponsivenessProbeTest, MaxBytesEndsADirectionWithLowConfidenceNotAFailure) {
  NginxOptions o;
  o.large_rate = "2m";  // per connection: 1 connection, then 2, ...
  TlsServer s(o);
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  cfg.upload = false;
  cfg.max_duration = seconds(20);
  cfg.max_bytes = 14'000'000;
  const auto run = RunRpm(cfg);
  const ProbeResult& r = run.result;
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_NE(r.error.find("download: max_bytes reached"), std::string::npos) << r.error;
  EXPECT_EQ(r.responsiveness[kDown].confidence, 0);
  EXPECT_LT(run.elapsed_seconds, 15);
  // Over max_bytes: at most one read block per load-generating connection, plus
  // the config resource and the probes' 1-byte answers.
  EXPECT_GE(r.transferred_bytes[kDown], cfg.max_bytes);
  EXPECT_LE(r.transferred_bytes[kDown],
            cfg.max_bytes + config::kRpmMaxLoadConnections * config::kTransferReadBlockBytes +
                config::kMaxNqConfigBytes + 1000);
}

TEST(ResponsivenessProbeTest, TestEndpointRedirectsTheConnections) {
  // The URLs name a host that does not resolve; test_endpoint says where to connect.
  Http1Server s("rpm-host.invalid", "127.0.0.1");
  auto cfg = RpmConfig(s.config_url());
  cfg.upload = false;
  const auto run = RunRpm(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_GT(s.fx.down_requests.load(), 0);
}

// The token and custom headers are for the config URL's server: test URLs elsewhere
// never get them.
TEST(ResponsivenessProbeTest, CredentialsGoOnlyToTheConfigUrlsOrigin) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "s3cret\n");
  TlsServer same;
  ASSERT_TRUE(same.nginx.running()) << same.nginx.error();
  auto cfg = RpmConfig(same.nginx.config_url(), same.pki.Path("ca.crt"));
  cfg.upload = false;
  cfg.target.bearer_token_file = dir.File("token");
  ASSERT_TRUE(RunRpm(cfg).result.success);
  cfg.target.bearer_token_file.clear();
  cfg.target.headers["X-Secret"] = "s3cret";  // the nginx log says "auth" for it too
  ASSERT_TRUE(RunRpm(cfg).result.success);
  for (const auto& l : ParseLog(same.nginx.AccessLog())) EXPECT_EQ(l.auth, "auth") << l.uri;

  TlsServer other;
  ASSERT_TRUE(other.nginx.running()) << other.nginx.error();
  SpeedFixture config_host({}, [&](httplib::Server& s) {
    s.Get("/nq", [&](const httplib::Request& req, httplib::Response& res) {
      EXPECT_TRUE(req.has_header("Authorization"));
      EXPECT_TRUE(req.has_header("X-Secret"));
      const std::string o = other.nginx.origin();
      res.set_content(R"({"version": 1, "urls": {"small_download_url": ")" + o +
                          R"(/small", "large_download_url": ")" + o +
                          R"(/large", "upload_url": ")" + o + R"(/upload"}})",
                      "application/json");
    });
  });
  cfg.target.url = config_host.url() + "/nq";
  cfg.target.bearer_token_file = dir.File("token");
  cfg.target.tls_config = config::TlsConfig{other.pki.Path("ca.crt")};
  const auto run = RunRpm(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  const auto log = ParseLog(other.nginx.AccessLog());
  EXPECT_FALSE(log.empty());
  for (const auto& l : log) EXPECT_EQ(l.auth, "-") << l.uri;
}

TEST(ResponsivenessProbeTest, FactoryChecksTheFilesItWillRead) {
  auto cfg = RpmConfig("https://rpm.example.com/.well-known/nq");
  cfg.target.bearer_token_file = "/nonexistent/hermes-token";
  const auto probe = NewResponsivenessProbe(cfg);
  ASSERT_FALSE(probe.ok());
  EXPECT_NE(probe.status().message().find("bearer_token_file"), std::string::npos)
      << probe.status().message();
}

TEST(ResponsivenessProbeTest, InvalidConfigResourceIsProtocol) {
  NginxOptions o;
  o.nq_json = R"({"version": 2, "urls": {}})";
  TlsServer s(o);
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  const ProbeResult r = RunRpm(RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"))).result;
  ExpectFailure(r, FailureReason::kProtocol,
                "GET /.well-known/nq: config resource: version must be 1");
  EXPECT_EQ(r.http_status_code, 200);
}

TEST(ResponsivenessProbeTest, ErrorStatusOfATestUrlIsHttpStatus) {
  NginxOptions o;
  o.nq_json = R"({"version": 1, "urls": {"small_download_url": "{origin}/missing", )"
              R"("large_download_url": "{origin}/large", "upload_url": "{origin}/upload"}})";
  TlsServer s(o);
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  ExpectFailure(RunRpm(RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"))).result,
                FailureReason::kHttpStatus, "GET /missing: ");
}

// A small URL that answers a large body: refused at the probe body cap, counted.
TEST(ResponsivenessProbeTest, OverlongSmallAnswerIsProtocolAndCapped) {
  NginxOptions o;
  o.nq_json = R"({"version": 1, "urls": {"small_download_url": "{origin}/large", )"
              R"("large_download_url": "{origin}/large", "upload_url": "{origin}/upload"}})";
  TlsServer s(o);
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  const ProbeResult r = RunRpm(RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"))).result;
  ExpectFailure(r, FailureReason::kProtocol, "GET /large: response body longer than 4096 bytes");
  EXPECT_LE(r.transferred_bytes[kDown],
            config::kMaxNqConfigBytes + config::kMaxPingBodyBytes + config::kPingReadBlockBytes);
}

// A config resource that never ends (or is huge): refused at kMaxNqConfigBytes.
TEST(ResponsivenessProbeTest, OverlongConfigResourceIsProtocolAndCapped) {
  using Hostile = testing::HostileHttpFixture;
  for (auto mode :
       {Hostile::Mode::kEndless, Hostile::Mode::kOverlong, Hostile::Mode::kCloseDelimited}) {
    Hostile fx(mode, /*pings_too=*/true);
    const ProbeResult r = RunRpm(RpmConfig(fx.url() + "/.well-known/nq")).result;
    ExpectFailure(r, FailureReason::kProtocol, "response body longer than 65536 bytes");
    EXPECT_GT(r.transferred_bytes[kDown], 0u);
    EXPECT_LE(r.transferred_bytes[kDown], config::kMaxNqConfigBytes + config::kPingReadBlockBytes);
    EXPECT_LE(r.transferred_bytes[kDown], fx.body_bytes_sent.load());
  }
}

TEST(ResponsivenessProbeTest, SlowDripConfigEndsAtTheDeadline) {
  testing::HostileHttpFixture fx(testing::HostileHttpFixture::Mode::kDrip, true);
  const auto run = RunRpm(RpmConfig(fx.url() + "/.well-known/nq"), seconds(1));
  ExpectFailure(run.result, FailureReason::kTimeout, "GET /.well-known/nq");
  EXPECT_LT(run.elapsed_seconds, 2.5);
}

TEST(ResponsivenessProbeTest, CancellationStopsTheRunPromptly) {
  ASSERT_TRUE(net::CurlGlobalInit().ok());
  TlsServer s;
  ASSERT_TRUE(s.nginx.running()) << s.nginx.error();
  auto cfg = RpmConfig(s.nginx.config_url(), s.pki.Path("ca.crt"));
  cfg.max_duration = seconds(20);
  auto probe = NewResponsivenessProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const config::Config global;
  const config::ProbeConfig named{.name = "rpm"};
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  ProbeContext ctx{named, global, clock, clock.SteadyNow() + seconds(60), cancelled};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(1500));
    cancelled = true;
  });
  const SteadyTime start = clock.SteadyNow();
  const ProbeResult r = (*probe)->Run(ctx);
  canceller.join();
  ExpectFailure(r, FailureReason::kTimeout, "run cancelled during the download");
  EXPECT_LT(ToSeconds(clock.SteadyNow() - start), 2.5);
  EXPECT_GT(r.transferred_bytes[kDown], 0u);
}

}  // namespace
}  // namespace hermes::probe
