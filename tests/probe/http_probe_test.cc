#include "probe/http_probe.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "testing/probe_config.h"
#include "testing/speed_fixture.h"
#include "testing/testing.h"

namespace hermes::probe {
namespace {

using std::chrono::seconds;
using testing::SpeedFixture;

constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);

// Routes for the http probe: a body, redirects, status codes, token checks.
void Routes(httplib::Server& s) {
  s.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello", "text/plain");
  });
  s.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(5000, 'b'), "text/plain");
  });
  s.Get("/missing", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  s.Get("/r1", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/r2"); });
  s.Get("/r2", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/ok");
    res.set_content("moved!", "text/plain");
  });
  s.Get("/limited", [](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "7");
  });
  // A redirect whose body never ends.
  s.Get("/endless-redirect", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/ok");
    res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
      static const std::string kChunk(16 * 1024, 'r');
      return sink.write(kChunk.data(), kChunk.size());
    });
  });
  s.Get("/auth", [](const httplib::Request& req, httplib::Response& res) {
    const bool ok = req.get_header_value("Authorization") == "Bearer s3cret" &&
                    req.get_header_value("X-Probe") == "hermes";
    res.status = ok ? 200 : 401;
  });
}

config::HttpConfig HttpConfig(const std::string& url) {
  config::HttpConfig cfg;
  cfg.target.url = url;
  return cfg;
}

ProbeResult RunHttp(const config::HttpConfig& cfg) {
  auto probe = NewHttpProbe(cfg);
  EXPECT_TRUE(probe.ok()) << probe.status().message();
  return testutil::RunOnce(**probe, seconds(5)).result;
}

void ExpectReason(const ProbeResult& r, FailureReason reason) {
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value()) << r.error;
  EXPECT_EQ(FailureReasonName(*r.reason), FailureReasonName(reason)) << r.error;
}

TEST(HttpProbeTest, OkReportsPhasesStatusAndBodyBytes) {
  SpeedFixture fx({}, Routes);
  const ProbeResult r = RunHttp(HttpConfig(fx.url() + "/ok"));
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status_code, 200);
  EXPECT_EQ(r.transferred_bytes[kDown], 5u);
  for (const auto& p : r.phase_seconds) EXPECT_TRUE(p.has_value());
  EXPECT_FALSE(r.tls_cert_expiry_unix_seconds.has_value());
  testutil::ExpectFillsExactlyItsLayout(
      r, HttpLayout(hermes::testing::MakeProbeConfig("api", "http", config::HttpConfig{})));
}

TEST(HttpProbeTest, StatusOutsideDefault2xxIsHttpStatus) {
  SpeedFixture fx({}, Routes);
  const ProbeResult r = RunHttp(HttpConfig(fx.url() + "/missing"));
  ExpectReason(r, FailureReason::kHttpStatus);
  EXPECT_EQ(r.http_status_code, 404);
}

TEST(HttpProbeTest, ValidStatusCodesAcceptListedCodes) {
  SpeedFixture fx({}, Routes);
  auto cfg = HttpConfig(fx.url() + "/missing");
  cfg.valid_status_codes = {404};
  EXPECT_TRUE(RunHttp(cfg).success);
  cfg.target.url = fx.url() + "/ok";
  ExpectReason(RunHttp(cfg), FailureReason::kHttpStatus);  // 200 is not listed
}

TEST(HttpProbeTest, FollowsRedirects) {
  SpeedFixture fx({}, Routes);
  const ProbeResult r = RunHttp(HttpConfig(fx.url() + "/r1"));
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.http_status_code, 200);
  EXPECT_EQ(r.transferred_bytes[kDown], 6u + 5u);  // redirect bodies count too
}

TEST(HttpProbeTest, TooManyRedirectsIsProtocol) {
  SpeedFixture fx({}, Routes);
  auto cfg = HttpConfig(fx.url() + "/r1");
  cfg.max_redirects = 1;
  ExpectReason(RunHttp(cfg), FailureReason::kProtocol);
}

TEST(HttpProbeTest, RedirectNotFollowedIsHttpStatus) {
  SpeedFixture fx({}, Routes);
  auto cfg = HttpConfig(fx.url() + "/r1");
  cfg.follow_redirects = false;
  const ProbeResult r = RunHttp(cfg);
  ExpectReason(r, FailureReason::kHttpStatus);
  EXPECT_EQ(r.http_status_code, 302);
}

TEST(HttpProbeTest, SendsBearerTokenAndHeaders) {
  SpeedFixture fx({}, Routes);
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "  s3cret\n");
  auto cfg = HttpConfig(fx.url() + "/auth");
  cfg.target.headers = {{"X-Probe", "hermes"}};
  ExpectReason(RunHttp(cfg), FailureReason::kHttpStatus);  // no token: 401
  cfg.target.bearer_token_file = dir.File("token");
  const ProbeResult r = RunHttp(cfg);
  EXPECT_TRUE(r.success) << r.error;
}

TEST(HttpProbeTest, BodyOverMaxBodyBytesIsProtocol) {
  SpeedFixture fx({}, Routes);
  auto cfg = HttpConfig(fx.url() + "/big");
  cfg.max_body_bytes = 1000;
  const ProbeResult r = RunHttp(cfg);
  ExpectReason(r, FailureReason::kProtocol);
  EXPECT_NE(r.error.find("max_body_bytes"), std::string::npos);
  // What arrived is counted: reading stopped after the block that crossed the cap.
  EXPECT_GT(r.transferred_bytes[kDown], 1000u);
  EXPECT_LE(r.transferred_bytes[kDown], 1000u + config::kHttpReadBlockBytes);
}

TEST(HttpProbeTest, RedirectBodyCountsAgainstMaxBodyBytes) {
  SpeedFixture fx({}, Routes);
  auto cfg = HttpConfig(fx.url() + "/endless-redirect");
  cfg.max_body_bytes = 100'000;
  const ProbeResult r = RunHttp(cfg);
  ExpectReason(r, FailureReason::kProtocol);
  EXPECT_GT(r.transferred_bytes[kDown], 100'000u);
  EXPECT_LE(r.transferred_bytes[kDown], 100'000u + config::kHttpMaxReadAheadBytes);
}

TEST(HttpProbeTest, TooManyRequestsWithRetryAfterIsRateLimited) {
  SpeedFixture fx({}, Routes);
  const ProbeResult r = RunHttp(HttpConfig(fx.url() + "/limited"));
  ExpectReason(r, FailureReason::kRateLimited);
  EXPECT_EQ(r.retry_after, std::optional<Duration>(seconds(7)));
}

double NotAfter(const std::string& cert_path) {
  FILE* f = std::fopen(cert_path.c_str(), "r");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  std::tm tm{};
  ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm);
  X509_free(cert);
  return static_cast<double>(timegm(&tm));
}

TEST(HttpProbeTest, CertExpiryIsTheServerCertificateNotAfter) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("server.crt"), pki.Path("server.key")}, Routes);
  auto cfg = HttpConfig(fx.url() + "/ok");
  cfg.target.tls_config = config::TlsConfig{pki.Path("ca.crt")};
  const ProbeResult r = RunHttp(cfg);
  ASSERT_TRUE(r.success) << r.error;
  ASSERT_TRUE(r.tls_cert_expiry_unix_seconds.has_value());
  EXPECT_DOUBLE_EQ(*r.tls_cert_expiry_unix_seconds, NotAfter(pki.Path("server.crt")));
  EXPECT_GT(*r.phase_seconds[static_cast<size_t>(Phase::kTls)], 0.0);
}

TEST(HttpProbeTest, InsecureSkipVerifyAcceptsUntrustedCertificate) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("wronghost.crt"), pki.Path("wronghost.key")}, Routes);
  auto cfg = HttpConfig(fx.url() + "/ok");
  ExpectReason(RunHttp(cfg), FailureReason::kTls);
  cfg.target.tls_config = config::TlsConfig{};
  cfg.target.tls_config->insecure_skip_verify = true;
  EXPECT_TRUE(RunHttp(cfg).success);
}

// libcurl reads http_proxy/HTTPS_PROXY/NO_PROXY itself; hermes must not disable it.
TEST(HttpProbeTest, HonorsHttpProxyEnvironment) {
  std::string target;
  SpeedFixture proxy({}, [&target](httplib::Server& s) {
    s.Get(".*", [&target](const httplib::Request& req, httplib::Response& res) {
      target = req.target;
      res.set_content("via proxy", "text/plain");
    });
  });
  setenv("http_proxy", proxy.url().c_str(), 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  // The .invalid host cannot resolve: only the proxy can answer for it.
  const ProbeResult r = RunHttp(HttpConfig("http://hermes-test.invalid/ok"));
  unsetenv("http_proxy");
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(target, "http://hermes-test.invalid/ok");
}

TEST(HttpProbeTest, FactoryRejectsNonHttpUrl) {
  EXPECT_FALSE(NewHttpProbe(HttpConfig("file:///etc/passwd")).ok());
}

// What the factory (and so --config.check, start and reload) refuses instead of
// failing every run.
std::string FactoryError(const config::HttpConfig& cfg) {
  auto p = NewHttpProbe(cfg);
  return p.ok() ? "<created>" : p.status().message();
}

TEST(HttpProbeTest, FactoryRejectsUnusableTokenFiles) {
  testing::TempDir dir;
  auto cfg = HttpConfig("http://127.0.0.1/");
  cfg.target.bearer_token_file = dir.path();  // a directory
  EXPECT_EQ(FactoryError(cfg), "bearer_token_file " + dir.path() + " is not a regular file");
  cfg.target.bearer_token_file = "/dev/zero";  // endless: never read
  EXPECT_EQ(FactoryError(cfg), "bearer_token_file /dev/zero is not a regular file");
  testing::WriteFile(dir.File("two"), "token-a\ntoken-b\n");
  cfg.target.bearer_token_file = dir.File("two");
  EXPECT_EQ(FactoryError(cfg),
            "bearer_token_file " + dir.File("two") + " holds more than one line");
  testing::WriteFile(dir.File("big"), std::string(5000, 't'));
  cfg.target.bearer_token_file = dir.File("big");
  EXPECT_EQ(FactoryError(cfg), "bearer_token_file " + dir.File("big") +
                                   " is 5000 bytes; a token file holds one token of at most 4096 "
                                   "bytes");
  testing::WriteFile(dir.File("ok"), "s3cret\n");
  cfg.target.bearer_token_file = dir.File("ok");
  EXPECT_EQ(FactoryError(cfg), "<created>");
}

TEST(HttpProbeTest, FactoryRejectsTlsFilesWithoutPem) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("ca.crt"), "not a certificate\n");
  auto cfg = HttpConfig("https://127.0.0.1/");
  cfg.target.tls_config = config::TlsConfig{dir.File("ca.crt")};
  EXPECT_EQ(FactoryError(cfg),
            "tls_config.ca_file: " + dir.File("ca.crt") + " holds no PEM certificate");
  cfg.target.tls_config->ca_file = dir.File("missing.crt");
  EXPECT_EQ(FactoryError(cfg), "tls_config.ca_file: cannot read " + dir.File("missing.crt"));
  const testing::TestPki& pki = testing::SharedPki();
  cfg.target.tls_config =
      config::TlsConfig{pki.Path("ca.crt"), pki.Path("ca.crt"), pki.Path("ca.crt")};
  EXPECT_EQ(FactoryError(cfg), "tls_config.key_file: " + pki.Path("ca.crt") +
                                   " holds no PEM private key (unencrypted)");
}

}  // namespace
}  // namespace hermes::probe
