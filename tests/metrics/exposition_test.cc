// The /metrics exposition: golden output, promtool lint, exact series counts,
// the series budget, and render speed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "metrics/metrics_hub.h"
#include "metrics/metrics_test_util.h"
#include "testing/testing.h"

namespace hermes::metrics {
namespace {

using namespace std::chrono_literals;
using testutil::AllKindsConfig;
using testutil::CountSampleLines;
using testutil::MakeProbe;
using testutil::PublishFixedResults;
using testutil::Share;

constexpr const char* kPromtool = "/usr/bin/promtool";
const WallTime kStart = WallTime(std::chrono::seconds(1'700'000'100));

// Drops process_* families (their values are the test process') and replaces the
// build_info labels (they depend on the build).
std::string Normalize(const std::string& text) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("process_", 0) == 0 || line.rfind("# HELP process_", 0) == 0 ||
        line.rfind("# TYPE process_", 0) == 0) {
      continue;
    }
    if (line.rfind("hermes_build_info{", 0) == 0) {
      line = R"(hermes_build_info{compiler="C",revision="R",version="V"} 1)";
    }
    out << line << "\n";
  }
  return out.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult RunPromtoolCheck(const std::string& exposition) {
  testing::TempDir dir;
  const std::string path = dir.File("metrics.prom");
  testing::WriteFile(path, exposition);
  const std::string cmd = std::string(kPromtool) + " check metrics < " + path + " 2>&1";
  CommandResult r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ExpositionTest, MatchesGoldenFile) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  PublishFixedResults(hub);
  const std::string got = Normalize(hub.Render());
  const std::string golden = std::string(HERMES_SOURCE_DIR) + "/tests/fixtures/metrics/golden.prom";
  if (const char* update = std::getenv("HERMES_UPDATE_GOLDEN"); update && *update == '1') {
    testing::WriteFile(golden, got);
  }
  std::ifstream in(golden);
  ASSERT_TRUE(in) << golden << " missing; run with HERMES_UPDATE_GOLDEN=1 to create it";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << "regenerate with HERMES_UPDATE_GOLDEN=1 if the change is intended";
}

TEST(ExpositionTest, PromtoolCheckMetricsIsClean) {
  ASSERT_EQ(access(kPromtool, X_OK), 0) << kPromtool << " not found; install prometheus";
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  PublishFixedResults(hub);
  const CommandResult r = RunPromtoolCheck(hub.Render());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST(ExpositionTest, PromtoolRejectsALintProblem) {
  // The check above can fail: promtool does complain about a bad exposition.
  ASSERT_EQ(access(kPromtool, X_OK), 0) << kPromtool << " not found; install prometheus";
  const CommandResult r = RunPromtoolCheck("# TYPE hermes_bad counter\nhermes_bad 1\n");
  EXPECT_NE(r.output, "");
}

std::vector<config::Config> CountingConfigs() {
  std::vector<config::Config> out;
  out.push_back(AllKindsConfig());
  out.push_back(config::Config{});  // no probes: self metrics only
  config::Config buckets = AllKindsConfig();
  buckets.global.latency_buckets = {0.001, 0.01, 0.1};
  for (int i = 0; i < 30; ++i) buckets.global.throughput_buckets.push_back(1e5 * (i + 1));
  out.push_back(buckets);
  config::Config partial;
  auto down_only = hermes::testing::WithSettings<config::SpeedtestConfig>(
      MakeProbe("down_only", "speedtest"), [](auto& s) { s.upload.enabled = false; });
  down_only.expect.upload_bytes_per_second = 1e6;  // no upload series: not exported
  partial.probes.push_back(down_only);
  auto tcp = MakeProbe("tcp_expect", "tcp");
  tcp.expect.latency_seconds = 0.01;
  partial.probes.push_back(tcp);
  auto loaded = hermes::testing::WithSettings<config::SpeedtestConfig>(
      MakeProbe("loaded", "speedtest"), [](auto& s) {
        s.download.enabled = false;  // loaded_stamp: idle and upload only
        s.loaded_stamp = config::LoadedStampConfig{"192.0.2.9:862"};
      });
  partial.probes.push_back(loaded);
  auto dns_expect = MakeProbe("dns_expect", "dns");
  dns_expect.expect.latency_seconds = 0.01;  // dns has no latency gauge
  partial.probes.push_back(dns_expect);
  out.push_back(partial);
  return out;
}

TEST(ExpositionTest, CountSeriesEqualsRenderedSampleLines) {
  for (const config::Config& c : CountingConfigs()) {
    FakeClock clock;
    MetricsHub hub(clock);
    hub.Apply(Share(c));
    const std::string text = hub.Render();
    EXPECT_EQ(CountSampleLines(text), CountSeries(c)) << text;
    EXPECT_EQ(hub.SeriesCount(), CountSeries(c));
    // Publishing never adds series.
    for (const auto& p : c.probes) hub.PublishRun(p.name, kStart, 1s, testutil::SpeedtestResult(1));
    EXPECT_EQ(CountSampleLines(hub.Render()), CountSeries(c));
  }
}

TEST(ExpositionTest, CountSeriesOfTypicalConfig) {
  // 150 speedtest (with 3 expect gauges) + 46 http + 61 tcp + 41 dns + 63 icmp
  // + 139 responsiveness (with expect.rpm) + 69 stamp + 146 self and process series,
  // with the default buckets.
  EXPECT_EQ(CountSeries(AllKindsConfig()), 715);
  // loaded_stamp adds 3 packet and 6 STAMP series per load (idle, download, upload).
  config::Config loaded = AllKindsConfig();
  loaded.probes[0] = hermes::testing::WithSettings<config::SpeedtestConfig>(
      loaded.probes[0], [](auto& s) { s.loaded_stamp = config::LoadedStampConfig{"h:862"}; });
  EXPECT_EQ(CountSeries(loaded), 715 + 27);
}

TEST(ExpositionTest, BudgetRejectionMessageIsExact) {
  config::Config c = AllKindsConfig();
  c.global.max_series = 500;
  const Status st = CheckSeriesBudget(c);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "global.max_series: config needs 715 series, limit is 500 (largest probe: "
            "cloudflare with 150 series); raise global.max_series or reduce probes/buckets");
  c.global.max_series = 715;
  EXPECT_TRUE(CheckSeriesBudget(c).ok());
}

TEST(ExpositionTest, RenderOfTwoThousandSeriesIsFast) {
  config::Config c;
  c.global.max_series = 100000;
  for (int i = 0; i < 12; ++i) {
    c.probes.push_back(MakeProbe("speed_" + std::to_string(i), "speedtest"));
  }
  for (int i = 0; i < 4; ++i) {
    c.probes.push_back(MakeProbe("tcp_" + std::to_string(i), "tcp"));
  }
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(c));
  for (const auto& p : c.probes) hub.PublishRun(p.name, kStart, 1s, testutil::SpeedtestResult(3));
  // Thread CPU time as well as wall time: on a busy machine wall time mostly
  // measures waiting for a core.
  auto cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  constexpr int kRounds = 50;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_ms();
  size_t bytes = 0;
  for (int i = 0; i < kRounds; ++i) bytes += hub.Render().size();
  const double cpu = (cpu_ms() - cpu0) / kRounds;
  const auto wall = (std::chrono::steady_clock::now() - t0) / kRounds;
  std::printf("[ info ] Render of %d series (%zu bytes): %.3f ms CPU, %.3f ms wall\n",
              CountSeries(c), bytes / kRounds, cpu,
              std::chrono::duration<double, std::milli>(wall).count());
  EXPECT_GT(CountSeries(c), 2000);
}

}  // namespace
}  // namespace hermes::metrics
