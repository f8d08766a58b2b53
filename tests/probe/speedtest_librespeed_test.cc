// The speedtest probe with `api: librespeed` against fixtures that behave as
// LibreSpeed's PHP, Go and Rust backends do, and the byte caps that hold whatever
// API a far end speaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "probe/speedtest_api.h"
#include "probe/speedtest_probe.h"
#include "testing/librespeed_fixture.h"
#include "testing/probe_config.h"
#include "testing/speed_fixture.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::LibreSpeedFixture;
using Backend = testing::LibreSpeedFixture::Backend;
using Hostile = testing::HostileHttpFixture;

constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);
constexpr size_t kUp = static_cast<size_t>(Direction::kUpload);
constexpr uint64_t kMiB = 1024 * 1024;

config::SpeedtestConfig LibreConfig(const std::string& url, Backend backend) {
  config::SpeedtestConfig cfg;
  cfg.api = "librespeed";
  cfg.target.url = url;
  if (backend == Backend::kRust) cfg.paths = {"garbage", "empty", "empty"};
  cfg.latency.samples = 5;
  // 1 s after the warm-up: throughput samples (readings >= 100 ms apart) even when a
  // loaded host deschedules the probe for a few hundred milliseconds.
  cfg.download = {true, 2, milliseconds(1200), milliseconds(200), 50'000'000'000ull};
  cfg.upload = {true, 2, milliseconds(1200), milliseconds(200), 50'000'000'000ull};
  return cfg;
}

testutil::ProbeRun RunLibre(const config::SpeedtestConfig& cfg, Duration timeout = seconds(10)) {
  auto probe = NewSpeedtestProbe(cfg);
  EXPECT_TRUE(probe.ok()) << probe.status().message();
  return testutil::RunOnce(**probe, timeout);
}

TEST(SpeedtestApiTest, LibreSpeedAsksForWholeChunksThatFit) {
  const SpeedtestApi api = LibreSpeedApi({});
  EXPECT_EQ(api.Download(100'000'000).path, "/garbage.php?ckSize=95");
  EXPECT_EQ(api.Download(100'000'000).body_bytes, 95 * kMiB);
  EXPECT_EQ(api.Download(kMiB).body_bytes, kMiB);
  EXPECT_EQ(api.Download(kMiB - 1).body_bytes, 0u);  // nothing fits: no request
  EXPECT_EQ(api.Download(2000 * kMiB).path, "/garbage.php?ckSize=1024");
  EXPECT_EQ(api.UploadBytes(100'000'000), 20 * kMiB);
  EXPECT_EQ(api.UploadBytes(3'500'000), 3 * kMiB);
  EXPECT_EQ(api.UploadBytes(kMiB - 1), 0u);
  EXPECT_EQ(api.ping_path, "/empty.php");
  EXPECT_FALSE(api.server_timing);
  const SpeedtestApi cf = CloudflareApi();
  EXPECT_EQ(cf.Download(1'234'567).path, "/__down?bytes=1234567");
  EXPECT_EQ(cf.Download(1'234'567).body_bytes, 1'234'567u);
  EXPECT_EQ(cf.UploadBytes(1'234'567), 1'234'567u);
}

class LibreSpeedBackendTest : public ::testing::TestWithParam<Backend> {};

TEST_P(LibreSpeedBackendTest, MeasuresBothDirectionsAndCountsWhatMoved) {
  LibreSpeedFixture fx(GetParam());
  const auto cfg = LibreConfig(fx.url() + "/", GetParam());
  const ProbeResult r = RunLibre(cfg).result;
  ASSERT_TRUE(r.success) << r.error;
  testutil::ExpectFillsExactlyItsLayout(
      r, SpeedtestLayout(hermes::testing::MakeProbeConfig("s", "speedtest", cfg)));
  EXPECT_EQ(fx.not_found.load(), 0);
  EXPECT_GT(fx.pings.load(), 5);  // the opener, 5 idle samples, the loaded pingers
  for (int64_t c : fx.chunk_counts()) {
    EXPECT_GE(c, 1);
    EXPECT_LE(c, 1024);
  }
  const auto uploads = fx.upload_sizes();
  ASSERT_FALSE(uploads.empty());
  for (uint64_t u : uploads) {
    EXPECT_EQ(u % kMiB, 0u) << u;  // whole MiB: the Rust backend answers nothing else
    EXPECT_LE(u, 20 * kMiB);
  }
  // Counted bytes were really sent by the server; the server read no upload byte
  // hermes did not count.
  EXPECT_GT(r.transferred_bytes[kDown], 0u);
  EXPECT_LE(r.transferred_bytes[kDown], fx.down_bytes.load());
  EXPECT_LE(fx.up_bytes.load(), r.transferred_bytes[kUp]);
}

INSTANTIATE_TEST_SUITE_P(Backends, LibreSpeedBackendTest,
                         ::testing::Values(Backend::kPhp, Backend::kGo, Backend::kRust),
                         [](const auto& info) {
                           switch (info.param) {
                             case Backend::kPhp:
                               return "Php";
                             case Backend::kGo:
                               return "Go";
                             case Backend::kRust:
                               return "Rust";
                           }
                           return "Unknown";
                         });

// Chunks never carry a direction past max_bytes: 5.5 MB in 2 streams is 2 + 2 + 1
// MiB, 3.5 MB in one stream 3 MiB; both stop well before `duration`.
TEST(SpeedtestLibreSpeedTest, MaxBytesHoldsWithWholeChunks) {
  LibreSpeedFixture fx(Backend::kGo);
  auto cfg = LibreConfig(fx.url(), Backend::kGo);
  cfg.download = {true, 2, seconds(5), milliseconds(100), 5'500'000};
  cfg.upload = {true, 1, seconds(5), milliseconds(100), 3'500'000};
  const auto run = RunLibre(cfg);
  ASSERT_TRUE(run.result.success) << run.result.error;
  std::vector<int64_t> chunks = fx.chunk_counts();  // in the order the server saw them
  std::sort(chunks.begin(), chunks.end());
  EXPECT_EQ(chunks, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(fx.upload_sizes(), (std::vector<uint64_t>{3 * kMiB}));
  EXPECT_EQ(fx.down_bytes.load(), 5 * kMiB);
  EXPECT_EQ(run.result.transferred_bytes[kUp], 3 * kMiB);
  EXPECT_EQ(fx.up_bytes.load(), 3 * kMiB);
  // Download also counts the pings' (empty) bodies; nothing else moved.
  EXPECT_EQ(run.result.transferred_bytes[kDown], 5 * kMiB);
  EXPECT_LE(run.result.transferred_bytes[kDown] + run.result.transferred_bytes[kUp],
            cfg.MaxBytesPerRun());
  EXPECT_LT(run.elapsed_seconds, 5.0);  // max_bytes ended it, not a 5 s duration
}

// What a user sees when the API does not match the server: a clear failure, and
// no byte beyond the capped answer.
TEST(SpeedtestLibreSpeedTest, CloudflareApiAgainstLibreSpeedIsHttpStatus) {
  LibreSpeedFixture fx(Backend::kPhp);
  auto cfg = LibreConfig(fx.url(), Backend::kPhp);
  cfg.api = "cloudflare";
  const ProbeResult r = RunLibre(cfg).result;
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value());
  EXPECT_EQ(FailureReasonName(*r.reason), "http_status") << r.error;
  EXPECT_EQ(fx.down_bytes.load(), 0u);
}

TEST(SpeedtestLibreSpeedTest, PingBodyIsCappedAndCounted) {
  Hostile fx(Hostile::Mode::kEndless, /*pings_too=*/true);
  const ProbeResult r = RunLibre(LibreConfig(fx.url(), Backend::kPhp)).result;
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("GET /empty.php: response body longer than 4096 bytes"), std::string::npos)
      << r.error;
  EXPECT_LE(r.transferred_bytes[kDown], kMaxPingBodyBytes + config::kPingReadBlockBytes);
  EXPECT_LE(r.transferred_bytes[kDown], fx.body_bytes_sent.load());
}

// An upload's answer is read too: capped at 4 KiB and counted as received, for
// either API (it was read without limit and counted nowhere).
TEST(SpeedtestLibreSpeedTest, UploadAnswerIsCappedAndCounted) {
  for (auto mode :
       {Hostile::Mode::kEndless, Hostile::Mode::kOverlong, Hostile::Mode::kCloseDelimited}) {
    Hostile fx(mode, /*pings_too=*/false);
    config::SpeedtestConfig cfg = LibreConfig(fx.url(), Backend::kPhp);
    cfg.api = "cloudflare";  // the fixture answers pings (bytes=0) properly
    cfg.download.enabled = false;
    cfg.upload = {true, 2, seconds(5), milliseconds(100), 40'000'000};
    const ProbeResult r = RunLibre(cfg).result;
    EXPECT_FALSE(r.success);
    ASSERT_TRUE(r.reason.has_value());
    EXPECT_EQ(FailureReasonName(*r.reason), "protocol") << r.error;
    EXPECT_NE(r.error.find("POST /__up: answer to an upload longer than 4096 bytes"),
              std::string::npos)
        << r.error;
    EXPECT_GT(r.transferred_bytes[kDown], 0u);
    EXPECT_LE(r.transferred_bytes[kDown], fx.body_bytes_sent.load());
    EXPECT_LE(r.transferred_bytes[kDown] + r.transferred_bytes[kUp], cfg.MaxBytesPerRun());
    // Pings are answered empty: what was read is the two streams' answers.
    EXPECT_LE(r.transferred_bytes[kDown],
              2 * (kMaxPingBodyBytes + config::kTransferReadBlockBytes));
  }
}

}  // namespace
}  // namespace hermes::probe
