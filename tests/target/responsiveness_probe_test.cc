// hermes-target as the far end of hermes' own responsiveness probe: HTTP/2 over TLS
// with its /.well-known/nq (both key sets), small, large and upload resources, with
// and without the bearer token its routes require.
#include "probe/responsiveness_probe.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "net/curl_easy.h"
#include "target/target.h"
#include "testing/testing.h"

namespace hermes::target {
namespace {

using std::chrono::seconds;

constexpr size_t kDown = static_cast<size_t>(probe::Direction::kDownload);
constexpr size_t kUp = static_cast<size_t>(probe::Direction::kUpload);
constexpr size_t kTotal = static_cast<size_t>(probe::RpmComponent::kTotal);

struct TlsTarget {
  explicit TlsTarget(bool anonymous, std::vector<std::string> extra = {})
      : pki(testing::SharedPki()) {
    testing::WriteFile(dir.File("web.yml"),
                       "tls_server_config:\n  cert_file: " + pki.Path("server.crt") +
                           "\n  key_file: " + pki.Path("server.key") + "\n");
    testing::WriteFile(dir.File("token"), "s3cret\n");
    std::vector<std::string> args = {"--web.listen-address=127.0.0.1:0",
                                     "--web.config.file=" + dir.File("web.yml"),
                                     "--web.bearer-token-file=" + dir.File("token")};
    if (anonymous) args.push_back("--rpm.anonymous");
    args.insert(args.end(), extra.begin(), extra.end());
    auto flags = ParseFlags(args);
    EXPECT_TRUE(flags.ok()) << flags.status().message();
    auto t = Target::Create(flags.value(), clock);
    EXPECT_TRUE(t.ok()) << t.status().message();
    target = std::move(t).value();
    EXPECT_TRUE(target->Start().ok());
  }
  ~TlsTarget() { target->Stop(); }
  std::string url() const {
    return "https://localhost:" + std::to_string(target->HttpPorts().at(0));
  }
  testing::TempDir dir;
  const testing::TestPki& pki;
  SystemClock clock;
  std::unique_ptr<Target> target;
};

probe::ProbeResult RunProbe(const config::ResponsivenessConfig& cfg) {
  EXPECT_TRUE(net::CurlGlobalInit().ok());
  auto p = probe::NewResponsivenessProbe(cfg);
  EXPECT_TRUE(p.ok()) << p.status().message();
  static const config::Config kGlobal;
  static const config::ProbeConfig kNamed{.name = "rpm"};
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  probe::ProbeContext ctx{kNamed, kGlobal, clock, clock.SteadyNow() + seconds(30), cancelled};
  return (*p)->Run(ctx);
}

config::ResponsivenessConfig Config(const TlsTarget& t) {
  config::ResponsivenessConfig cfg;
  cfg.target.url = t.url() + "/.well-known/nq";
  cfg.target.tls_config = config::TlsConfig{t.pki.Path("ca.crt")};
  cfg.target.bearer_token_file = t.dir.File("token");
  cfg.max_duration = seconds(5);
  cfg.max_bytes = 50'000'000'000;
  return cfg;
}

TEST(ResponsivenessProbeTargetTest, MeasuresBothDirectionsOverHttp2WithTheToken) {
  TlsTarget t(/*anonymous=*/false);
  const probe::ProbeResult r = RunProbe(Config(t));
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.error.rfind("HTTP/2; download: ", 0), 0u) << r.error;
  for (size_t d : {kDown, kUp}) {
    const auto& rr = r.responsiveness[d];
    ASSERT_TRUE(rr.rpm[kTotal].has_value()) << d;
    std::printf(
        "[ report ] hermes-target %s: RPM total %.0f foreign %.0f loaded %.0f, "
        "confidence %d, goodput %.1f MB/s\n",
        d == kDown ? "download" : "upload", *rr.rpm[kTotal], rr.rpm[0].value_or(0),
        rr.rpm[1].value_or(0), rr.confidence.value_or(-1),
        r.throughput_bytes_per_second[d].value_or(0) / 1e6);
  }
  EXPECT_GT(r.transferred_bytes[kUp], 0u);
}

TEST(ResponsivenessProbeTargetTest, WithoutTheTokenTheTestUrlsRefuse) {
  TlsTarget t(/*anonymous=*/false);
  auto cfg = Config(t);
  cfg.target.bearer_token_file.clear();
  const probe::ProbeResult r = RunProbe(cfg);
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value());
  EXPECT_EQ(*r.reason, probe::FailureReason::kHttpStatus) << r.error;
}

TEST(ResponsivenessProbeTargetTest, AnonymousRpmNeedsNoToken) {
  TlsTarget t(/*anonymous=*/true);
  auto cfg = Config(t);
  cfg.target.bearer_token_file.clear();
  cfg.upload = false;
  const probe::ProbeResult r = RunProbe(cfg);
  ASSERT_TRUE(r.success) << r.error;
}

// A known server-side delay lands in the components that wait for an answer (http,
// self) and not in the handshakes (tcp, tls): the attribution of each round trip.
TEST(ResponsivenessProbeTargetTest, ServerDelayShowsInHttpAndSelfOnly) {
  TlsTarget t(/*anonymous=*/true, {"--test.response-delay=150ms"});
  auto cfg = Config(t);
  cfg.upload = false;
  const probe::ProbeResult r = RunProbe(cfg);
  ASSERT_TRUE(r.success) << r.error;
  const auto& c = r.responsiveness[kDown].component_seconds;
  auto at = [&](probe::RttComponent k) { return *c[static_cast<size_t>(k)]; };
  std::printf("[ report ] 150 ms server delay: tcp %.1f tls %.1f http %.1f self %.1f ms\n",
              at(probe::RttComponent::kTcp) * 1e3, at(probe::RttComponent::kTls) * 1e3,
              at(probe::RttComponent::kHttp) * 1e3, at(probe::RttComponent::kSelf) * 1e3);
  EXPECT_GE(at(probe::RttComponent::kHttp), 0.150);
  EXPECT_GE(at(probe::RttComponent::kSelf), 0.150);
  // The handshakes do not wait for the server's delay: both stay below the request
  // (compared with each other, not with a wall-clock bound, so a starved host that
  // slows all of them alike still passes).
  EXPECT_LT(at(probe::RttComponent::kTcp), at(probe::RttComponent::kHttp));
  EXPECT_LT(at(probe::RttComponent::kTls), at(probe::RttComponent::kHttp));
  // 60 / the trimmed means, as the draft defines them.
  const double foreign = 60 / ((at(probe::RttComponent::kTcp) + at(probe::RttComponent::kTls) +
                                at(probe::RttComponent::kHttp)) /
                               3);
  EXPECT_NEAR(*r.responsiveness[kDown].rpm[static_cast<size_t>(probe::RpmComponent::kForeign)],
              foreign, foreign * 1e-9);
}

}  // namespace
}  // namespace hermes::target
