#include "probe/speedtest_probe.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "probe/speedtest_latency.h"
#include "probe/speedtest_transfer.h"
#include "testing/probe_config.h"
#include "testing/raw_server.h"
#include "testing/speed_fixture.h"
#include "testing/testing.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::SpeedFixture;
using testing::SpeedFixtureOptions;

constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);
constexpr size_t kUp = static_cast<size_t>(Direction::kUpload);
constexpr size_t kIdle = static_cast<size_t>(Load::kIdle);

config::SpeedtestConfig SpeedConfig(const std::string& url) {
  config::SpeedtestConfig cfg;
  cfg.target.url = url + "/";  // a trailing slash must not double up
  cfg.latency.samples = 5;
  // Loopback moves ~1 GB/s: a cap that `duration` reaches first.
  cfg.download = {true, 2, milliseconds(700), milliseconds(200), 50'000'000'000ull};
  cfg.upload = {true, 2, milliseconds(700), milliseconds(200), 50'000'000'000ull};
  return cfg;
}

testutil::ProbeRun RunSpeedtest(const config::SpeedtestConfig& cfg,
                                Duration timeout = seconds(10)) {
  auto probe = NewSpeedtestProbe(cfg);
  EXPECT_TRUE(probe.ok()) << probe.status().message();
  return testutil::RunOnce(**probe, timeout);
}

void ExpectFailure(const ProbeResult& r, FailureReason reason) {
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value()) << r.error;
  EXPECT_EQ(FailureReasonName(*r.reason), FailureReasonName(reason)) << r.error;
  EXPECT_FALSE(r.throughput_bytes_per_second[kDown].has_value());
  EXPECT_FALSE(r.throughput_bytes_per_second[kUp].has_value());
}

TEST(SpeedtestProbeTest, MeasuresLatencyDownloadAndUpload) {
  SpeedFixture fx;
  const auto run = RunSpeedtest(SpeedConfig(fx.url()));
  const ProbeResult& r = run.result;
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_FALSE(r.reason.has_value());
  for (size_t d : {kDown, kUp}) {
    ASSERT_TRUE(r.throughput_bytes_per_second[d].has_value());
    EXPECT_GT(*r.throughput_bytes_per_second[d], 0);
    EXPECT_FALSE(r.throughput_samples[d].empty());
    EXPECT_GT(r.transferred_bytes[d], 0u);
  }
  // Every byte the probe counted was really written by the server, and the server
  // cannot have read more upload bytes than the probe handed to the socket.
  EXPECT_LE(r.transferred_bytes[kDown], fx.down_bytes.load());
  EXPECT_LE(fx.up_bytes.load(), r.transferred_bytes[kUp]);
  EXPECT_EQ(r.latency[kIdle].samples_seconds.size(), 5u);
  EXPECT_TRUE(r.latency[kIdle].median_seconds.has_value());
  EXPECT_TRUE(r.latency[kIdle].jitter_seconds.has_value());
  for (const auto& p : r.phase_seconds) EXPECT_TRUE(p.has_value());
  EXPECT_DOUBLE_EQ(*r.phase_seconds[static_cast<size_t>(Phase::kTls)], 0.0);
  testutil::ExpectFillsExactlyItsLayout(r, SpeedtestLayout(hermes::testing::MakeProbeConfig(
                                               "s", "speedtest", SpeedConfig(fx.url()))));
}

TEST(SpeedtestProbeTest, LoopbackDownloadThroughputIsReported) {
  SpeedFixture fx;
  auto cfg = SpeedConfig(fx.url());
  cfg.download = {true, 4, seconds(3), seconds(1), 20'000'000'000ull};
  cfg.upload.enabled = false;
  const auto run = RunSpeedtest(cfg, seconds(20));
  ASSERT_TRUE(run.result.success) << run.result.error;
  testutil::ExpectFillsExactlyItsLayout(
      run.result, SpeedtestLayout(hermes::testing::MakeProbeConfig("s", "speedtest", cfg)));
  const double bps = *run.result.throughput_bytes_per_second[kDown];
  std::printf(
      "[ report ] loopback download: %.1f MB/s (%.2f Gbit/s), %zu samples, "
      "%llu bytes moved, %d concurrent streams at the server\n",
      bps / 1e6, bps * 8 / 1e9, run.result.throughput_samples[kDown].size(),
      static_cast<unsigned long long>(run.result.transferred_bytes[kDown]),
      fx.max_concurrent_down.load());
  EXPECT_EQ(fx.max_concurrent_down.load(), 4);
  // Samples cover the 2 s after warm-up in windows of at least 100 ms (fewer when
  // a loaded machine wakes the engine late).
  EXPECT_GE(run.result.throughput_samples[kDown].size(), 5u);
  EXPECT_LE(run.result.throughput_samples[kDown].size(), 21u);
}

TEST(SpeedtestProbeTest, DownloadThroughputMatchesAPacedServer) {
  SpeedFixtureOptions o;
  o.down_rate = 10e6;  // per stream: 3 streams -> 30 MB/s
  SpeedFixture fx(o);
  auto cfg = SpeedConfig(fx.url());
  cfg.download = {true, 3, milliseconds(1500), milliseconds(500), 50'000'000'000ull};
  cfg.upload.enabled = false;
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_NEAR(*run.result.throughput_bytes_per_second[kDown], 30e6, 3e6);
  // ~10 windows of ~100 ms, each near the paced rate.
  const auto& samples = run.result.throughput_samples[kDown];
  EXPECT_GE(samples.size(), 8u);
  EXPECT_LE(samples.size(), 11u);
  EXPECT_NEAR(*Median(samples), 30e6, 4.5e6);
}

// stop: stable ends a steady transfer long before its duration, with the same
// throughput arithmetic (after warm-up) as a full run.
TEST(SpeedtestProbeTest, StopWhenStableEndsASteadyTransferEarly) {
  SpeedFixtureOptions o;
  o.down_rate = 10e6;  // per stream: 3 streams -> 30 MB/s
  SpeedFixture fx(o);
  auto cfg = SpeedConfig(fx.url());
  cfg.download = {true, 3, seconds(12), milliseconds(500), 50'000'000'000ull, true};
  cfg.upload.enabled = false;
  const auto run = RunSpeedtest(cfg, seconds(20));
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_NEAR(*run.result.throughput_bytes_per_second[kDown], 30e6, 3e6);
  // The earliest stop is warm-up + 4 intervals of 0.5 s; a loaded host may need
  // more, but a stable transfer ends before its configured 12 s and moves less than
  // they would.
  EXPECT_GE(run.elapsed_seconds, 2.5);
  EXPECT_LT(run.elapsed_seconds, 12.0);
  EXPECT_LT(run.result.transferred_bytes[kDown], 12 * 30e6);
}

TEST(SpeedtestProbeTest, LoadedLatencySamplesInBothDirections) {
  SpeedFixture fx;
  auto cfg = SpeedConfig(fx.url());
  cfg.download.duration = cfg.upload.duration = milliseconds(1200);
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  for (Load l : {Load::kDownload, Load::kUpload}) {
    const LatencyResult& lat = run.result.latency[static_cast<size_t>(l)];
    // One ping per 200 ms during the ~1 s after warm-up.
    EXPECT_GE(lat.samples_seconds.size(), 3u) << LoadName(l);
    EXPECT_LE(lat.samples_seconds.size(), 6u) << LoadName(l);
    EXPECT_TRUE(lat.median_seconds.has_value()) << LoadName(l);
  }
}

TEST(SpeedtestProbeTest, MaxBytesCapsTheTransfer) {
  SpeedFixture fx;
  auto cfg = SpeedConfig(fx.url());
  cfg.download = {true, 2, seconds(5), milliseconds(100), 3'000'000};
  cfg.upload = {true, 2, seconds(5), milliseconds(100), 2'000'000};
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_EQ(run.result.transferred_bytes[kDown], 3'000'000u);
  EXPECT_EQ(run.result.transferred_bytes[kUp], 2'000'000u);
  EXPECT_EQ(fx.down_bytes.load(), 3'000'000u);
  EXPECT_EQ(fx.up_bytes.load(), 2'000'000u);
  EXPECT_LT(run.elapsed_seconds, 4.0);  // stopped at the cap, not at `duration`
}

// A stream sends several requests in a row (100 MB each at most): each counts once,
// including right after one finishes, when libcurl still reports its byte count.
TEST(SpeedtestProbeTest, UploadCountsWhatTheServerReceived) {
  SpeedFixture fx;
  auto cfg = SpeedConfig(fx.url());
  cfg.download.enabled = false;
  cfg.upload = {true, 1, seconds(20), milliseconds(100), 201'000'000};
  const auto run = RunSpeedtest(cfg, seconds(30));
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_EQ(fx.up_requests.load(), 3);
  EXPECT_EQ(fx.up_bytes.load(), 201'000'000u);
  EXPECT_EQ(run.result.transferred_bytes[kUp], 201'000'000u);
}

TEST(SpeedtestProbeTest, ServerTimingIsSubtractedFromRtt) {
  SpeedFixtureOptions o;
  o.delay = milliseconds(20);
  o.report_delay = true;
  SpeedFixture fx(o);
  auto cfg = SpeedConfig(fx.url());
  cfg.download.enabled = cfg.upload.enabled = false;
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  // Every answer leaves the fixture at least 20 ms after its request arrived, and
  // reports the delay it actually waited (however late its timer fired): unless
  // that is subtracted, no sample can be below 20 ms; subtracted, what is left is
  // the loopback round trip and scheduling, judged here against the delay itself.
  EXPECT_LT(*run.result.latency[kIdle].median_seconds, 0.020);
}

TEST(SpeedtestProbeTest, RttIncludesServerTimeWithoutServerTiming) {
  SpeedFixtureOptions o;
  o.delay = milliseconds(20);
  SpeedFixture fx(o);
  auto cfg = SpeedConfig(fx.url());
  cfg.download.enabled = cfg.upload.enabled = false;
  cfg.latency.samples = 40;
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  // The answer leaves the fixture >= 20 ms after the request arrived: any sample
  // below that is a measurement error, however rare.
  ASSERT_EQ(run.result.latency[kIdle].samples_seconds.size(), 40u);
  for (double rtt : run.result.latency[kIdle].samples_seconds) EXPECT_GE(rtt, 0.020);
  EXPECT_LT(*run.result.latency[kIdle].median_seconds, 0.2);
}

// libcurl's debug callback sees the request head right after it was written to
// the socket. Stalling there is the ping thread being descheduled between send()
// and libcurl's PRETRANSFER stamp: the response arrives meanwhile, and an RTT of
// STARTTRANSFER - PRETRANSFER read ~0 against a 20 ms server.
int StallAfterSend(CURL*, curl_infotype type, char*, size_t, void*) {
  if (type == CURLINFO_HEADER_OUT) std::this_thread::sleep_for(milliseconds(30));
  return 0;
}

TEST(SpeedtestLatencyTest, RttCountsFromBeforeTheRequestIsWritten) {
  ASSERT_TRUE(net::CurlGlobalInit().ok());
  SpeedFixtureOptions o;
  o.delay = milliseconds(20);
  SpeedFixture fx(o);
  const config::ProbeConfig cfg{.name = "speed"};
  const config::Config global;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  const ProbeContext ctx{cfg, global, clock, clock.SteadyNow() + seconds(10), cancelled};
  uint64_t received = 0;
  auto h = net::EasyHandle::Create(fx.url(), {});
  ASSERT_TRUE(h.ok()) << h.status().message();
  curl_easy_setopt((*h)->get(), CURLOPT_DEBUGFUNCTION, StallAfterSend);
  curl_easy_setopt((*h)->get(), CURLOPT_VERBOSE, 1L);
  for (int i = 0; i < 3; ++i) {  // the first one opens the connection
    const auto r = PingOnce(**h, CloudflareApi(), ctx, nullptr, &received);
    ASSERT_TRUE(std::holds_alternative<double>(r)) << std::get<net::RequestFailure>(r).error;
    EXPECT_GE(std::get<double>(r), 0.020) << "ping " << i;
  }
}

TEST(SpeedtestLatencyTest, RttSubtractsServerTimingAndClampsAtZero) {
  EXPECT_DOUBLE_EQ(RttSeconds(milliseconds(30), ""), 0.030);
  EXPECT_NEAR(RttSeconds(milliseconds(30), "db;dur=5, app;dur=20"), 0.010, 1e-12);
  EXPECT_DOUBLE_EQ(RttSeconds(milliseconds(5), "app;dur=20"), 0.0);
}

TEST(SpeedtestProbeTest, UnresolvableHostIsDns) {
  ExpectFailure(RunSpeedtest(SpeedConfig("http://hermes-test.invalid")).result,
                FailureReason::kDns);
}

TEST(SpeedtestProbeTest, RefusedPortIsConnect) {
  const auto url = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort());
  ExpectFailure(RunSpeedtest(SpeedConfig(url)).result, FailureReason::kConnect);
}

TEST(SpeedtestProbeTest, UntrustedCertificateIsTls) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("server.crt"), pki.Path("server.key")});
  ExpectFailure(RunSpeedtest(SpeedConfig(fx.url())).result, FailureReason::kTls);
}

TEST(SpeedtestProbeTest, WrongHostnameIsTls) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("wronghost.crt"), pki.Path("wronghost.key")});
  auto cfg = SpeedConfig(fx.url());
  cfg.target.tls_config = config::TlsConfig{pki.Path("ca.crt")};
  ExpectFailure(RunSpeedtest(cfg).result, FailureReason::kTls);
}

TEST(SpeedtestProbeTest, TrustedTlsWithServerNameOverrideSucceeds) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("wronghost.crt"), pki.Path("wronghost.key")});
  auto cfg = SpeedConfig(fx.url());
  cfg.target.tls_config = config::TlsConfig{pki.Path("ca.crt")};
  cfg.target.tls_config->server_name = "wrong.example";
  cfg.download.max_bytes = cfg.upload.max_bytes = 2'000'000;
  const auto run = RunSpeedtest(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  EXPECT_GT(*run.result.phase_seconds[static_cast<size_t>(Phase::kTls)], 0.0);
}

// libcurl reads HTTPS_PROXY / NO_PROXY itself: an https target is reached through a
// CONNECT tunnel (TLS still verified end to end), or directly when NO_PROXY lists it.
TEST(SpeedtestProbeTest, HttpsTargetGoesThroughHttpsProxyUnlessNoProxy) {
  const testing::TestPki& pki = testing::SharedPki();
  SpeedFixture fx({pki.Path("server.crt"), pki.Path("server.key")});
  testing::ConnectProxy proxy;
  auto cfg = SpeedConfig(fx.url());
  cfg.target.tls_config = config::TlsConfig{pki.Path("ca.crt")};
  cfg.download.max_bytes = cfg.upload.max_bytes = 2'000'000;
  for (const char* v : {"https_proxy", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"}) {
    unsetenv(v);
  }
  setenv("HTTPS_PROXY", proxy.url().c_str(), 1);
  const auto via_proxy = RunSpeedtest(cfg);
  setenv("NO_PROXY", "127.0.0.1", 1);
  const auto direct = RunSpeedtest(cfg);
  unsetenv("HTTPS_PROXY");
  unsetenv("NO_PROXY");

  ASSERT_TRUE(via_proxy.result.success) << via_proxy.result.error;
  ASSERT_TRUE(direct.result.success) << direct.result.error;
  const auto targets = proxy.targets();
  ASSERT_FALSE(targets.empty());
  for (const auto& t : targets) EXPECT_EQ(t, "127.0.0.1:" + std::to_string(fx.port()));
  // Every byte of the first run went through the tunnel; none of the second's did.
  EXPECT_GE(proxy.relayed_bytes(), 4'000'000u);
  EXPECT_LT(proxy.relayed_bytes(), 5'000'000u);
  EXPECT_EQ(fx.down_bytes.load() + fx.up_bytes.load(), 8'000'000u);
}

TEST(SpeedtestProbeTest, StalledServerTimesOutWithinDeadline) {
  SpeedFixtureOptions o;
  o.stall = true;
  SpeedFixture fx(o);
  const auto run = RunSpeedtest(SpeedConfig(fx.url()), milliseconds(800));
  ExpectFailure(run.result, FailureReason::kTimeout);
  EXPECT_LT(run.elapsed_seconds, 1.2);
}

TEST(SpeedtestProbeTest, ServerErrorIsHttpStatus) {
  SpeedFixtureOptions o;
  o.status = 500;
  SpeedFixture fx(o);
  ExpectFailure(RunSpeedtest(SpeedConfig(fx.url())).result, FailureReason::kHttpStatus);
}

TEST(SpeedtestProbeTest, TooManyRequestsWithRetryAfterIsRateLimited) {
  SpeedFixtureOptions o;
  o.status = 429;
  o.retry_after = "7";
  SpeedFixture fx(o);
  const auto run = RunSpeedtest(SpeedConfig(fx.url()));
  ExpectFailure(run.result, FailureReason::kRateLimited);
  ASSERT_TRUE(run.result.retry_after.has_value());
  EXPECT_EQ(*run.result.retry_after, seconds(7));
}

TEST(SpeedtestProbeTest, ShortBodyIsProtocolAndKeepsTransferredBytes) {
  testing::RawHttpFixture fx(1'000'000, 100'000, /*reset=*/false);
  const auto run = RunSpeedtest(SpeedConfig(fx.url()));
  ExpectFailure(run.result, FailureReason::kProtocol);
  // The first short response ends the run; the other stream may be mid-body.
  EXPECT_GE(run.result.transferred_bytes[kDown], 100'000u);
  EXPECT_LE(run.result.transferred_bytes[kDown], 200'000u);
}

TEST(SpeedtestProbeTest, ConnectionResetMidBodyIsNetwork) {
  testing::RawHttpFixture fx(1'000'000, 100'000, /*reset=*/true);
  const auto run = RunSpeedtest(SpeedConfig(fx.url()));
  ExpectFailure(run.result, FailureReason::kNetwork);
}

// libcurl retries a request whose reused connection broke before any answer, and
// an upload body cannot be replayed: that must still read as a network failure.
TEST(SpeedtestProbeTest, ReusedConnectionResetMidUploadIsNetwork) {
  testing::RawHttpFixture fx(0, 200'000, /*reset=*/true);
  config::SpeedtestConfig cfg = SpeedConfig(fx.url());
  cfg.download.enabled = false;
  // One stream: a full 100 MB request, then a second one on the same connection.
  cfg.upload = {true, 1, seconds(5), milliseconds(200), 101'000'000ull};
  const auto run = RunSpeedtest(cfg);
  ExpectFailure(run.result, FailureReason::kNetwork);
  EXPECT_GE(run.result.transferred_bytes[kUp], 100'000'000u);
}

TEST(SpeedtestProbeTest, BearerTokenFileGoneAtRunTimeIsUnknown) {
  SpeedFixture fx;
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "s3cret\n");
  auto cfg = SpeedConfig(fx.url());
  cfg.target.bearer_token_file = dir.File("token");
  auto probe = NewSpeedtestProbe(cfg);  // checks the file
  ASSERT_TRUE(probe.ok()) << probe.status().message();
  std::remove(dir.File("token").c_str());  // re-read at every run
  const auto run = testutil::RunOnce(**probe, seconds(10));
  ExpectFailure(run.result, FailureReason::kUnknown);
  EXPECT_NE(run.result.error.find("bearer_token_file"), std::string::npos);
}

TEST(SpeedtestProbeTest, CancellationStopsTheRunPromptly) {
  ASSERT_TRUE(net::CurlGlobalInit().ok());
  SpeedFixture fx;
  auto cfg = SpeedConfig(fx.url());
  cfg.download.duration = seconds(20);
  auto probe = NewSpeedtestProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const config::Config global;
  const config::ProbeConfig named{.name = "speed"};
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  ProbeContext ctx{named, global, clock, clock.SteadyNow() + seconds(30), cancelled};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(400));
    cancelled = true;
  });
  const SteadyTime start = clock.SteadyNow();
  const ProbeResult r = (*probe)->Run(ctx);
  canceller.join();
  EXPECT_FALSE(r.success);
  EXPECT_LT(ToSeconds(clock.SteadyNow() - start), 10.0);  // the deadline is 30 s, the window 20 s
  EXPECT_GT(r.transferred_bytes[kDown], 0u);
}

// A far end that answers more than was asked: whatever it sends, the run stops at
// the first response body longer than its request allows (`protocol`), every byte
// hermes read is counted, and what it read stays within the planned bytes plus one
// receive buffer per connection.
using Hostile = testing::HostileHttpFixture;

TEST(SpeedtestProbeTest, PingBodyIsCappedAndCounted) {
  for (auto mode :
       {Hostile::Mode::kEndless, Hostile::Mode::kOverlong, Hostile::Mode::kCloseDelimited}) {
    Hostile fx(mode, /*pings_too=*/true);
    const ProbeResult r = RunSpeedtest(SpeedConfig(fx.url())).result;
    ExpectFailure(r, FailureReason::kProtocol);
    EXPECT_NE(r.error.find("GET /__down?bytes=0: response body longer than 4096 bytes"),
              std::string::npos)
        << r.error;
    // libcurl hands over what it read in one go (at most its 16 KiB buffer).
    EXPECT_GT(r.transferred_bytes[kDown], 0u);
    EXPECT_LE(r.transferred_bytes[kDown], kMaxPingBodyBytes + config::kPingReadBlockBytes);
    EXPECT_LE(r.transferred_bytes[kDown], fx.body_bytes_sent.load());
  }
}

TEST(SpeedtestProbeTest, DownloadBodyLongerThanAskedIsCappedAndCounted) {
  for (auto mode :
       {Hostile::Mode::kEndless, Hostile::Mode::kOverlong, Hostile::Mode::kCloseDelimited}) {
    Hostile fx(mode, /*pings_too=*/false);
    auto cfg = SpeedConfig(fx.url());
    cfg.download = {true, 2, seconds(5), milliseconds(100), 4'000'000};  // 2 x 2 MB requests
    cfg.upload.enabled = false;
    const ProbeResult r = RunSpeedtest(cfg).result;
    ExpectFailure(r, FailureReason::kProtocol);
    EXPECT_NE(r.error.find("response body longer than the 2000000 bytes asked for"),
              std::string::npos)
        << r.error;
    EXPECT_GT(r.transferred_bytes[kDown], 0u);
    EXPECT_LE(r.transferred_bytes[kDown],
              cfg.download.max_bytes + 2 * config::kTransferReadBlockBytes);
    EXPECT_LE(r.transferred_bytes[kDown], fx.body_bytes_sent.load());
  }
}

TEST(SpeedtestProbeTest, SlowDripIsCountedAndEndsAtTheDeadline) {
  Hostile fx(Hostile::Mode::kDrip, /*pings_too=*/true);
  const auto run = RunSpeedtest(SpeedConfig(fx.url()), seconds(1));
  ExpectFailure(run.result, FailureReason::kTimeout);
  EXPECT_GT(run.result.transferred_bytes[kDown], 0u);
  EXPECT_LE(run.result.transferred_bytes[kDown], fx.body_bytes_sent.load());
}

TEST(SpeedtestProbeTest, FactoryRejectsNonHttpUrl) {
  config::SpeedtestConfig cfg = SpeedConfig("ftp://example.com");
  EXPECT_FALSE(NewSpeedtestProbe(cfg).ok());
}

}  // namespace
}  // namespace hermes::probe
