// Parsing of /proc for process_* metrics, from fixed strings.
#include "metrics/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "metrics/metrics_hub.h"
#include "metrics/metrics_test_util.h"

namespace hermes::metrics {
namespace {

// A real /proc/self/stat line, with a command name holding spaces and ')'.
constexpr const char* kStat =
    "4242 (hermes (x) exporter) S 1 4242 4242 0 -1 4194560 1200 0 0 0 "
    "350 150 0 0 20 0 5 0 123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 "
    "0 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessMetricsTest, ParsesProcSelfStatFields) {
  Result<ProcStat> st = ParseProcStat(kStat);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->utime_ticks, 350);
  EXPECT_EQ(st->stime_ticks, 150);
  EXPECT_EQ(st->start_ticks, 123456);
  EXPECT_EQ(st->vsize_bytes, 104857600);
  EXPECT_EQ(st->rss_pages, 2560);
}

TEST(ProcessMetricsTest, RejectsTruncatedOrMalformedStat) {
  EXPECT_FALSE(ParseProcStat("4242 (hermes) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("no parenthesis at all").ok());
  std::string bad = kStat;
  bad.replace(bad.find("350"), 3, "3x0");
  EXPECT_FALSE(ParseProcStat(bad).ok());
}

TEST(ProcessMetricsTest, ParsesBootTime) {
  Result<double> bt = ParseBootTime(
      "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 5 6\nctxt 77\nbtime 1699990000\nprocesses 9\n");
  ASSERT_TRUE(bt.ok());
  EXPECT_EQ(*bt, 1699990000);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").ok());
  EXPECT_FALSE(ParseBootTime("btime soon\n").ok());
}

TEST(ProcessMetricsTest, ComputesBaseUnits) {
  Result<ProcStat> st = ParseProcStat(kStat);
  ASSERT_TRUE(st.ok());
  const ProcessStats s = ComputeProcessStats(*st, 1'699'990'000.0, 100, 4096);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 5.0);  // (350 + 150) / 100
  EXPECT_DOUBLE_EQ(*s.resident_bytes, 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(*s.virtual_bytes, 104857600.0);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1'699'990'000.0 + 1234.56);
  const ProcessStats no_boot = ComputeProcessStats(*st, std::nullopt, 100, 4096);
  EXPECT_FALSE(no_boot.start_time_seconds.has_value());
}

TEST(ProcessMetricsTest, ReadsThisProcess) {
  ProcessReader reader;
  const ProcessStats s = reader.Read();
  ASSERT_TRUE(s.open_fds && s.max_fds && s.resident_bytes && s.start_time_seconds);
  EXPECT_GE(*s.open_fds, 3);  // stdin, stdout, stderr
  EXPECT_GT(*s.resident_bytes, 0);
  EXPECT_GT(*s.start_time_seconds, 1.6e9);
  // Each read sees the descriptors open at that moment.
  int fds[2][2];
  ASSERT_EQ(pipe(fds[0]), 0);
  ASSERT_EQ(pipe(fds[1]), 0);
  EXPECT_EQ(*reader.Read().open_fds, *s.open_fds + 4);
  for (auto& p : fds) {
    close(p[0]);
    close(p[1]);
  }
  EXPECT_EQ(*reader.Read().open_fds, *s.open_fds);
  // All six are rendered (a hub before Apply() renders only them).
  FakeClock clock;
  MetricsHub hub(clock);
  EXPECT_EQ(testutil::CountSampleLines(hub.Render()), 6);
}

}  // namespace
}  // namespace hermes::metrics
