#include "probe/speedtest_rate.h"

#include <gtest/gtest.h>

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
constexpr SteadyTime kStart{std::chrono::hours(1)};

// Feeds a meter observations every `step` while bytes grow at `rate(t)` bytes/s.
template <typename RateFn>
ThroughputMeter::Result Feed(ThroughputMeter& m, Duration total, Duration step, RateFn rate) {
  uint64_t bytes = 0;
  SteadyTime t = kStart;
  while (t - kStart < total) {
    bytes += static_cast<uint64_t>(rate(t - kStart) * ToSeconds(step));
    t += step;
    m.Observe(t, bytes);
  }
  return m.Finish(t, bytes);
}

TEST(SpeedtestRateTest, ThroughputExcludesWarmup) {
  ThroughputMeter m(kStart, milliseconds(1000));
  // Slow start: 1 MB/s during the first second, then 10 MB/s for two seconds.
  auto r = Feed(m, milliseconds(3000), milliseconds(10),
                [](Duration t) { return t < milliseconds(1000) ? 1e6 : 10e6; });
  ASSERT_TRUE(r.bytes_per_second.has_value());
  EXPECT_NEAR(*r.bytes_per_second, 10e6, 1);
  EXPECT_EQ(r.measured_bytes, 20'000'000u);
  EXPECT_NEAR(r.measured_seconds, 2.0, 1e-9);
}

TEST(SpeedtestRateTest, SamplesEvery100msAfterWarmupOnly) {
  ThroughputMeter m(kStart, milliseconds(500));
  auto r = Feed(m, milliseconds(1500), milliseconds(10),
                [](Duration t) { return t < milliseconds(500) ? 1e6 : 4e6; });
  ASSERT_EQ(r.samples_bytes_per_second.size(), 10u);
  for (double s : r.samples_bytes_per_second) EXPECT_NEAR(s, 4e6, 1);
}

TEST(SpeedtestRateTest, SampleWindowUsesObservedTimeNotNominal) {
  ThroughputMeter m(kStart, Duration::zero());
  m.Observe(kStart, 0);                            // warm-up instant
  m.Observe(kStart + milliseconds(250), 500'000);  // one late wake-up: 250 ms window
  auto r = m.Finish(kStart + milliseconds(260), 520'000);
  ASSERT_EQ(r.samples_bytes_per_second.size(), 1u);  // the 10 ms tail is dropped
  EXPECT_NEAR(r.samples_bytes_per_second[0], 2e6, 1e-6);
  EXPECT_NEAR(*r.bytes_per_second, 2e6, 1e-6);
}

TEST(SpeedtestRateTest, EndBeforeWarmupFallsBackToWholeTransfer) {
  ThroughputMeter m(kStart, milliseconds(1000));
  m.Observe(kStart + milliseconds(200), 1'000'000);
  auto r = m.Finish(kStart + milliseconds(400), 2'000'000);
  EXPECT_NEAR(*r.bytes_per_second, 5e6, 1e-6);
  EXPECT_TRUE(r.samples_bytes_per_second.empty());
}

TEST(SpeedtestRateTest, AllBytesDuringWarmupFallsBackToWholeTransfer) {
  // max_bytes arrived during the warm-up, the transfer finished just after it:
  // nothing moved after W, yet the run moved data and must not report 0.
  ThroughputMeter m(kStart, milliseconds(1000));
  m.Observe(kStart + milliseconds(500), 3'000'000);
  m.Observe(kStart + milliseconds(1000), 4'000'000);
  auto r = m.Finish(kStart + milliseconds(1000) + milliseconds(100), 4'000'000);
  ASSERT_TRUE(r.bytes_per_second.has_value());
  EXPECT_NEAR(*r.bytes_per_second, 4e6 / 1.1, 1e-3);
}

TEST(SpeedtestRateTest, NoBytesNoThroughput) {
  ThroughputMeter m(kStart, milliseconds(100));
  auto r = m.Finish(kStart + milliseconds(50), 0);
  EXPECT_FALSE(r.bytes_per_second.has_value());
}

}  // namespace
}  // namespace hermes::probe
