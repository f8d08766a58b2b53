#include <gtest/gtest.h>

#include "probe/probe.h"

namespace hermes::probe {
namespace {

TEST(StatsTest, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(*Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(*Median({4, 1, 3, 2}), 2.5);
  EXPECT_FALSE(Median({}).has_value());
}

TEST(StatsTest, JitterIsMeanAbsoluteDifferenceOfConsecutiveSamples) {
  // |2-1| + |1-2| + |4-1| = 5 over 3 differences.
  EXPECT_DOUBLE_EQ(*Jitter({1, 2, 1, 4}), 5.0 / 3);
  EXPECT_FALSE(Jitter({1}).has_value());
}

TEST(StatsTest, ReasonNamesMatchSpec) {
  std::vector<std::string> names;
  for (auto r : kAllFailureReasons) names.emplace_back(FailureReasonName(r));
  EXPECT_EQ(names, (std::vector<std::string>{"dns", "connect", "tls", "timeout", "http_status",
                                             "rate_limited", "network", "protocol", "unknown"}));
}

}  // namespace
}  // namespace hermes::probe
