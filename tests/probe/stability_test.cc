// The draft's moving-average stability test and its goodput intervals, and the RPM
// arithmetic, on synthetic series.
#include "probe/stability.h"

#include <gtest/gtest.h>

#include "probe/rpm_math.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(StabilityTest, NeedsMadValuesWithinTheTolerance) {
  StabilityTest t(4, 0.05);
  EXPECT_FALSE(t.Add(100));
  EXPECT_FALSE(t.Add(100));
  EXPECT_FALSE(t.Add(100));
  EXPECT_TRUE(t.Add(100));  // 4 equal values: sd 0
  EXPECT_EQ(t.count(), 4);
}

TEST(StabilityTest, UsesTheLastMadValuesAndThePopulationSd) {
  StabilityTest t(4, 0.05);
  for (double v : {10.0, 50.0, 96.0, 104.0, 96.0}) EXPECT_FALSE(t.Add(v));
  // Last four 50, 96, 104, 96 are far apart; then 96, 104, 96, 104: sd 4 = 3.85 % of 104.
  EXPECT_TRUE(t.Add(104));
  StabilityTest tight(4, 0.03);
  for (double v : {96.0, 104.0, 96.0}) tight.Add(v);
  EXPECT_FALSE(tight.Add(104));  // 4 is more than 3 % of 104
}

TEST(StabilityTest, ALoadThatMovesNothingIsNeverStable) {
  StabilityTest t(4, 0.05);
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(t.Add(0.0)) << i;
}

TEST(StabilityTest, ARampIsNotStable) {
  StabilityTest t;
  for (int i = 1; i <= 20; ++i) EXPECT_FALSE(t.Add(i * 10.0)) << i;
}

TEST(GoodputIntervalsTest, ClosesAtTheFirstObservationAfterEachIntervalAndAveragesMad) {
  const SteadyTime t0{};
  GoodputIntervals g(t0, 0, seconds(1), 4);
  EXPECT_FALSE(g.moving_average());
  EXPECT_FALSE(g.Observe(t0 + milliseconds(999), 999));
  EXPECT_TRUE(g.Observe(t0 + milliseconds(1000), 1000));  // 1000 B in 1 s
  EXPECT_DOUBLE_EQ(*g.moving_average(), 1000);
  EXPECT_EQ(g.next_close(), t0 + milliseconds(2000));
  // Late by 500 ms: the interval is 1.5 s long and the rate uses it.
  EXPECT_TRUE(g.Observe(t0 + milliseconds(2500), 4000));
  EXPECT_DOUBLE_EQ(*g.moving_average(), 4000 / 2.5);
  for (int i = 1; i <= 4; ++i) {  // four intervals of 2000 B/s push the early ones out
    EXPECT_TRUE(g.Observe(t0 + milliseconds(2500 + 1000 * i), 4000 + 2000 * i));
  }
  EXPECT_DOUBLE_EQ(*g.moving_average(), 2000);
  EXPECT_EQ(g.closed(), 6);
}

TEST(RpmMathTest, TrimmedMeanDropsTheLargestFivePercent) {
  std::vector<double> s;
  for (int i = 1; i <= 19; ++i) s.push_back(1.0);
  s.push_back(100.0);  // 1 of 20 = 5 %: dropped
  EXPECT_DOUBLE_EQ(*TrimmedMean(s), 1.0);
  s.erase(s.begin());  // 19 samples: 5 % rounds down to none dropped
  EXPECT_DOUBLE_EQ(*TrimmedMean(s), (18 + 100) / 19.0);
  EXPECT_DOUBLE_EQ(*TrimmedMean({1, 2, 3}), 2.0);
  EXPECT_FALSE(TrimmedMean({}));
  EXPECT_DOUBLE_EQ(*TrimmedMean({5}), 5.0);
}

TEST(RpmMathTest, DraftFormulasWithAndWithoutTls) {
  RpmSamples s;
  s.tcp = {0.010};
  s.tls = {0.020};
  s.http = {0.030};
  s.self = {0.040};
  const ResponsivenessResult r = ComputeResponsiveness(s);
  const auto rpm = [&](RpmComponent c) { return *r.rpm[static_cast<size_t>(c)]; };
  EXPECT_DOUBLE_EQ(rpm(RpmComponent::kForeign), 60 / 0.020);  // 60 / mean(10, 20, 30 ms)
  EXPECT_DOUBLE_EQ(rpm(RpmComponent::kLoaded), 60 / 0.040);
  EXPECT_DOUBLE_EQ(rpm(RpmComponent::kTotal), (3000 + 1500) / 2.0);
  EXPECT_DOUBLE_EQ(*r.component_seconds[static_cast<size_t>(RttComponent::kTls)], 0.020);
  s.tls.clear();  // clear text: foreign = 60 / mean(tcp, http)
  const ResponsivenessResult tcp_only = ComputeResponsiveness(s);
  EXPECT_DOUBLE_EQ(*tcp_only.rpm[static_cast<size_t>(RpmComponent::kForeign)], 60 / 0.020);
  EXPECT_FALSE(tcp_only.component_seconds[static_cast<size_t>(RttComponent::kTls)]);
  s.self.clear();  // no self probe: no loaded and no total
  const ResponsivenessResult no_self = ComputeResponsiveness(s);
  EXPECT_FALSE(no_self.rpm[static_cast<size_t>(RpmComponent::kLoaded)]);
  EXPECT_FALSE(no_self.rpm[static_cast<size_t>(RpmComponent::kTotal)]);
  EXPECT_FALSE(no_self.confidence);
}

}  // namespace
}  // namespace hermes::probe
