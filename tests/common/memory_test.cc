#include "common/memory.h"

#include <gtest/gtest.h>

#include <vector>

namespace hermes {
namespace {

// Feeds the counts a listener reports as `peak` connections open one by one and
// then close one by one; returns the counts at which Drained() said true.
std::vector<int> RiseAndFall(ConnectionBurst& b, int from, int peak, int to) {
  std::vector<int> released;
  for (int open = from; open <= peak; ++open) {
    if (b.Drained(open)) released.push_back(open);
  }
  for (int open = peak - 1; open >= to; --open) {
    if (b.Drained(open)) released.push_back(open);
  }
  return released;
}

TEST(ConnectionBurstTest, ReleasesWhenABurstFallsToAQuarterOfItsPeak) {
  ConnectionBurst b;
  // 50 -> 12 is one drained burst; the 12 left are another when they fall to 3.
  EXPECT_EQ(RiseAndFall(b, 1, 50, 0), std::vector<int>({12, 3}));
}

TEST(ConnectionBurstTest, FewConnectionsAreNoBurst) {
  ConnectionBurst b;
  EXPECT_TRUE(RiseAndFall(b, 1, ConnectionBurst::kMinBurst - 1, 0).empty());
  // The smallest burst drains at a quarter of it.
  EXPECT_EQ(RiseAndFall(b, 1, ConnectionBurst::kMinBurst, 0),
            std::vector<int>({ConnectionBurst::kMinBurst / 4}));
}

TEST(ConnectionBurstTest, SteadyKeepAliveScrapersNeverRelease) {
  ConnectionBurst b;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(b.Drained(3));
    EXPECT_FALSE(b.Drained(2));
  }
}

TEST(ConnectionBurstTest, ThePeakRestartsAfterARelease) {
  ConnectionBurst b;
  EXPECT_EQ(RiseAndFall(b, 1, 40, 10), std::vector<int>({10}));
  // From 10 kept open, a rise to 39 and back does not reach a quarter of its peak;
  // a rise to 40 does, and so do the 10 when they close.
  EXPECT_TRUE(RiseAndFall(b, 10, 39, 10).empty());
  EXPECT_EQ(RiseAndFall(b, 10, 40, 0), std::vector<int>({10, 2}));
}

}  // namespace
}  // namespace hermes
