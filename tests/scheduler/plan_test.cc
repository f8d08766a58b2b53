#include "scheduler/plan.h"

#include <gtest/gtest.h>

#include <vector>

#include "config/dns_config.h"
#include "config/http_config.h"
#include "config/speedtest_config.h"
#include "config/tcp_config.h"
#include "scheduler/config_equal.h"
#include "scheduler/phase.h"
#include "scheduler/scheduler.h"
#include "testing/probe_config.h"

namespace hermes::scheduler {
namespace {

using namespace std::chrono_literals;
using hermes::testing::MakeProbeConfig;
using hermes::testing::WithSettings;

WallTime At(Duration since_epoch) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(since_epoch));
}

TEST(PlanTest, MarginIsHalfASecondOrFivePercent) {
  EXPECT_EQ(PhaseLockMargin(5s), 500ms);
  EXPECT_EQ(PhaseLockMargin(15s), 750ms);
  EXPECT_EQ(PhaseLockMargin(60s), 3s);
}

TEST(PlanTest, ExpectedDurationUsesRecentMaxBoundedByTimeout) {
  EXPECT_EQ(ExpectedDuration({}, 10s), 5s);
  EXPECT_EQ(ExpectedDuration({2s, 4s, 3s}, 10s), 4s);
  EXPECT_EQ(ExpectedDuration({2s, 40s}, 10s), 10s);
}

TEST(PlanTest, WithoutScrapeOffsetsStartsAtTheSlot) {
  const WallTime slot = At(1'200s + 13s);
  EXPECT_EQ(PlanStart(slot, 60s, 15s, {}, 5s), slot);
}

TEST(PlanTest, FinishesAMarginBeforeTheFirstScrapeInTheSlot) {
  const WallTime slot = At(1'200s + 13s);  // 1'200 is a multiple of 15 and 60
  const std::vector<Duration> offsets{7s};
  const WallTime start = PlanStart(slot, 60s, 15s, offsets, 5s);
  // Earliest finish slot + 5.75 s = 1'218.75; next scrape at offset 7 is 1'222.
  EXPECT_EQ(start, At(1'222s) - 750ms - 5s);
  EXPECT_EQ(WallMod(start + 5s + 750ms, 15s), 7s);
  EXPECT_GE(start, slot);
}

TEST(PlanTest, ScrapeTooCloseToTheSlotMovesToTheNextScrapeCycle) {
  const WallTime slot = At(1'200s + 5s);
  const std::vector<Duration> offsets{7s};  // 1'207 is too early to finish 5.75 s later
  EXPECT_EQ(PlanStart(slot, 60s, 15s, offsets, 5s), At(1'222s) - 5750ms);
}

TEST(PlanTest, AnHaPairAimsAtTheFirstScraperToCome) {
  const WallTime slot = At(1'200s);
  const std::vector<Duration> offsets{2s, 9s};
  // Finish >= 1'205.75: 1'209 (offset 9) comes before 1'217 (offset 2).
  EXPECT_EQ(PlanStart(slot, 60s, 15s, offsets, 5s), At(1'209s) - 5750ms);
}

TEST(PlanTest, NeverLeavesTheSlot) {
  const std::vector<Duration> offsets{1s};
  for (Duration expected : {0s, 3s, 9s, 14s}) {
    for (int64_t s = 0; s < 60; s += 7) {
      const WallTime slot = At(1'200s + std::chrono::seconds(s));
      const WallTime start = PlanStart(slot, 15s, 15s, offsets, expected);
      EXPECT_GE(start, slot);
      EXPECT_LT(start, slot + 15s);
    }
  }
}

TEST(PlanTest, BulkGiveUpIsTenPercentOfTheIntervalOrBeforeTheNextSlot) {
  const WallTime slot = At(1'200s);
  EXPECT_EQ(BulkGiveUp(slot, slot, 60s, 10s), slot + 6s);
  EXPECT_EQ(BulkGiveUp(slot, slot, 60s, 57s), slot + 3s);
  EXPECT_EQ(BulkGiveUp(slot + 4s, slot, 60s, 59s), slot + 4s);  // never before its plan
}

TEST(PlanTest, WorstCaseBytesCountsEnabledDirectionsOfBulkProbes) {
  config::SpeedtestConfig s;
  s.download.max_bytes = 400;
  s.upload.max_bytes = 200;
  EXPECT_EQ(WorstCaseBytes(MakeProbeConfig("s", "speedtest", s)), s.MaxBytesPerRun());
  const uint64_t both = s.MaxBytesPerRun();
  s.upload.enabled = false;
  EXPECT_LT(WorstCaseBytes(MakeProbeConfig("s", "speedtest", s)), both - 200);
  EXPECT_EQ(WorstCaseBytes(MakeProbeConfig("t", "tcp", config::TcpConfig{})), 0u);
}

TEST(ByteWindowTest, SumsTheLastThirtyDays) {
  ByteWindow w;
  const WallTime t0 = At(1'700'000'000s);
  w.Add(t0, 100);
  w.Add(t0 + 10min, 50);
  w.Add(t0 + 24h, 7);
  EXPECT_EQ(w.Sum(t0 + 25h), 157u);
  EXPECT_EQ(w.Sum(t0 + 24h * 30 + 2h), 7u);  // the first day has left the window
  EXPECT_EQ(w.Sum(t0 + 24h * 32), 0u);
}

TEST(ByteWindowTest, StaysBoundedWhateverTheRunRate) {
  ByteWindow w;
  const WallTime t0 = At(1'700'000'000s);
  for (int i = 0; i < 40 * 24 * 60; ++i) w.Add(t0 + std::chrono::minutes(i), 1);
  EXPECT_LE(w.buckets(), 24u * 30 + 1);
  EXPECT_NEAR(static_cast<double>(w.Sum(t0 + std::chrono::minutes(40 * 24 * 60))), 30.0 * 24 * 60,
              60.0);
}

TEST(ByteWindowTest, ExceedsBudget) {
  EXPECT_FALSE(ExceedsBudget(500, 600, 0));  // no budget
  EXPECT_FALSE(ExceedsBudget(400, 600, 1000));
  EXPECT_TRUE(ExceedsBudget(401, 600, 1000));
  EXPECT_TRUE(ExceedsBudget(2000, 0, 1000));
}

TEST(ConfigEqualTest, IgnoresTheLineNumber) {
  const config::ProbeConfig a = MakeProbeConfig("x", "tcp", config::TcpConfig{});
  config::ProbeConfig b = a;
  b.line = 42;
  EXPECT_TRUE(SameProbeConfig(a, b));
}

TEST(ConfigEqualTest, DetectsChangedFields) {
  const config::ProbeConfig a = MakeProbeConfig("x", "speedtest", config::SpeedtestConfig{});
  auto changed = [&](auto mutate) {
    config::ProbeConfig b = a;
    mutate(b);
    return !SameProbeConfig(a, b);
  };
  auto changed_settings = [&](auto mutate) {
    return !SameProbeConfig(a, WithSettings<config::SpeedtestConfig>(a, mutate));
  };
  EXPECT_TRUE(changed([](auto& b) { b.timeout = 3s; }));
  EXPECT_TRUE(changed([](auto& b) { b.interval = 30s; }));
  EXPECT_TRUE(changed([](auto& b) { b.kind = probe::FindKind("http"); }));
  EXPECT_TRUE(changed([](auto& b) { b.expect.latency_seconds = 0.03; }));
  EXPECT_TRUE(changed([](auto& b) {
    b.settings = std::make_shared<const config::HttpConfig>();  // another kind's settings
  }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.target.headers["X-A"] = "1"; }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.target.tls_config = config::TlsConfig{}; }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.download.streams = 8; }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.upload.enabled = false; }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.latency.samples = 3; }));
  EXPECT_TRUE(changed_settings([](auto& s) { s.target.url = "https://other"; }));
  EXPECT_FALSE(changed_settings([](auto&) {}));  // an equal copy is the same config
  const auto dns = MakeProbeConfig("x", "dns", config::DnsConfig{});
  EXPECT_FALSE(SameProbeConfig(dns, WithSettings<config::DnsConfig>(dns, [](auto& s) {
                                 s.valid_rcodes.push_back("NXDOMAIN");
                               })));
}

}  // namespace
}  // namespace hermes::scheduler
