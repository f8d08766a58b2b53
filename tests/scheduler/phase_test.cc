#include "scheduler/phase.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hermes::scheduler {
namespace {

using namespace std::chrono_literals;

WallTime At(Duration since_epoch) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(since_epoch));
}

TEST(PhaseTest, Fnv1aMatchesReferenceVectors) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(PhaseTest, StablePhaseIsDeterministicAndWithinInterval) {
  const Duration p = StablePhase("node-a", "cloudflare", 15min);
  EXPECT_EQ(p, StablePhase("node-a", "cloudflare", 15min));
  EXPECT_GE(p, 0s);
  EXPECT_LT(p, 15min);
  EXPECT_EQ(p % 1ms, 0ms);  // millisecond resolution
}

TEST(PhaseTest, StablePhaseDiffersForNamesAndInstances) {
  EXPECT_NE(StablePhase("node-a", "cloudflare", 1h), StablePhase("node-a", "api", 1h));
  EXPECT_NE(StablePhase("node-a", "cloudflare", 1h), StablePhase("node-b", "cloudflare", 1h));
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(StablePhase("ab", "c", 1h), StablePhase("a", "bc", 1h));
}

TEST(PhaseTest, StablePhaseSpreadCoversTheInterval) {
  // 300 sidecars with the same probe name: every 5 s bucket of a minute is used.
  std::set<int64_t> buckets;
  for (int i = 0; i < 300; ++i) {
    const Duration p = StablePhase("pod-" + std::to_string(i), "cloudflare", 60s);
    buckets.insert(p / 5s);
  }
  EXPECT_EQ(buckets.size(), 12u);
}

TEST(PhaseTest, SlotsLieOnTheEpochGrid) {
  const Duration interval = 60s, phase = 7s;
  const WallTime t = At(1'700'000'000s + 30s);  // 1'700'000'000 is a multiple of 60 s + 20 s
  const WallTime cur = SlotContaining(t, interval, phase);
  const WallTime next = SlotAtOrAfter(t, interval, phase);
  EXPECT_LE(cur, t);
  EXPECT_GT(cur + 60s, t);
  EXPECT_EQ(next, cur + 60s);
  EXPECT_EQ(WallMod(cur, interval), phase);
  EXPECT_EQ(SlotAtOrAfter(cur, interval, phase), cur);
  EXPECT_EQ(SlotContaining(cur, interval, phase), cur);
}

TEST(PhaseTest, NextWithOffsetFindsTheNextMatchingTime) {
  const WallTime t = At(1'000s + 3s);  // offset 3 s within 10 s
  EXPECT_EQ(NextWithOffset(t, 10s, 7s), At(1'007s));
  EXPECT_EQ(NextWithOffset(t, 10s, 3s), t);
  EXPECT_EQ(NextWithOffset(t, 10s, 1s), At(1'011s));
}

TEST(ScrapeOffsetTest, LearnsASingleScraper) {
  ScrapeOffsetEstimator e;
  for (int k = 0; k < 5; ++k) e.Observe(At(1'500s + k * 15s + 7s + k * 10ms));
  const auto offs = e.Offsets(At(1'600s), 15s);
  ASSERT_EQ(offs.size(), 1u);
  EXPECT_NEAR(ToSeconds(offs[0]), 7.02, 0.001);
}

TEST(ScrapeOffsetTest, HandlesWrapAroundAtTheIntervalBoundary) {
  ScrapeOffsetEstimator e;
  // Offsets 14.9, 0.1, 14.95, 0.05 s of a 15 s interval: one cluster around 0.
  const Duration offsets[] = {14'900ms, 15'100ms, 14'950ms, 15'050ms};
  for (int k = 0; k < 4; ++k) e.Observe(At(1'500s + k * 15s + offsets[k]));
  const auto offs = e.Offsets(At(1'600s), 15s);
  ASSERT_EQ(offs.size(), 1u);
  const double s = ToSeconds(offs[0]);
  EXPECT_TRUE(s < 0.01 || s > 14.99) << s;
}

TEST(ScrapeOffsetTest, NeedsThreeAgreeingObservations) {
  ScrapeOffsetEstimator e;
  e.Observe(At(1'507s));
  e.Observe(At(1'522s));
  EXPECT_TRUE(e.Offsets(At(1'600s), 15s).empty());
  e.Observe(At(1'537s));
  EXPECT_EQ(e.Offsets(At(1'600s), 15s).size(), 1u);
}

TEST(ScrapeOffsetTest, ScatteredArrivalsAreNotTrusted) {
  ScrapeOffsetEstimator e;
  for (int k = 0; k < 15; ++k) e.Observe(At(1'500s + k * 16s));  // drifts through the cycle
  EXPECT_TRUE(e.Offsets(At(1'800s), 15s).empty());
}

TEST(ScrapeOffsetTest, AnHaPairGivesTwoOffsets) {
  ScrapeOffsetEstimator e;
  for (int k = 0; k < 4; ++k) {
    e.Observe(At(1'500s + k * 15s + 2s));
    e.Observe(At(1'500s + k * 15s + 9s));
  }
  const auto offs = e.Offsets(At(1'600s), 15s);
  ASSERT_EQ(offs.size(), 2u);
  EXPECT_EQ(offs[0], 2s);
  EXPECT_EQ(offs[1], 9s);
}

TEST(ScrapeOffsetTest, ForgetsOldAndFutureArrivals) {
  ScrapeOffsetEstimator e;
  for (int k = 0; k < 4; ++k) e.Observe(At(1'000s + k * 15s + 4s));
  EXPECT_EQ(e.Offsets(At(1'100s), 15s).size(), 1u);
  // 16 scrape intervals later the old cluster no longer counts.
  EXPECT_TRUE(e.Offsets(At(1'100s + 16 * 15s), 15s).empty());
  // Arrivals "after now" (clock stepped back) are ignored too.
  EXPECT_TRUE(e.Offsets(At(900s), 15s).empty());
}

TEST(ScrapeOffsetTest, KeepsABoundedRing) {
  ScrapeOffsetEstimator e;
  for (int k = 0; k < 100; ++k) e.Observe(At(1'000s + k * 15s));
  EXPECT_EQ(e.size(), ScrapeOffsetEstimator::kCapacity);
}

// Feeds `n` arrivals from `client` every `every` starting at `start`; returns what the
// last Observe() reported.
std::optional<Duration> Feed(ScrapeIntervalWatch& w, const std::string& client, WallTime start,
                             Duration every, int n, Duration expected = 15s) {
  std::optional<Duration> last;
  for (int k = 0; k < n; ++k) last = w.Observe(client, start + k * every, expected);
  return last;
}

TEST(ScrapeIntervalTest, ReportsAScraperAtAnotherIntervalOnce) {
  ScrapeIntervalWatch w;
  // First arrival plus three gaps: known only at the fourth scrape.
  EXPECT_EQ(Feed(w, "10.0.0.1", At(1'000s), 30s, 3), std::nullopt);
  EXPECT_EQ(w.Observe("10.0.0.1", At(1'090s + 40ms), 15s), Duration(30s));
  EXPECT_EQ(Feed(w, "10.0.0.1", At(1'120s), 30s, 10), std::nullopt);  // said once
}

TEST(ScrapeIntervalTest, ReportsTheIntervalRoundedTo100Ms) {
  ScrapeIntervalWatch w;
  EXPECT_EQ(Feed(w, "a", At(1'000s), 2s + 3ms, 4, 1s), Duration(2s));
  EXPECT_EQ(Feed(w, "b", At(1'000s), 7s + 480ms, 4, 1s), Duration(7s + 500ms));
}

TEST(ScrapeIntervalTest, MatchingIntervalWithJitterIsQuiet) {
  ScrapeIntervalWatch w;
  for (int k = 0; k < 40; ++k) {
    const auto jitter = std::chrono::milliseconds((k * 397) % 900);  // < 10% of 15 s
    EXPECT_EQ(w.Observe("10.0.0.1", At(1'000s + k * 15s + jitter), 15s), std::nullopt) << k;
  }
}

TEST(ScrapeIntervalTest, IrregularArrivalsAndHaPairsAreQuiet) {
  ScrapeIntervalWatch w;
  // Two scrapers behind one address, 4 s apart: gaps 4 s, 11 s, 4 s, ...
  for (int k = 0; k < 20; ++k) {
    EXPECT_EQ(w.Observe("nat", At(1'000s + k * 15s), 15s), std::nullopt);
    EXPECT_EQ(w.Observe("nat", At(1'004s + k * 15s), 15s), std::nullopt);
  }
  // A person with curl.
  for (Duration t : {0s, 3s, 50s, 52s, 140s}) {
    EXPECT_EQ(w.Observe("10.9.9.9", At(2'000s) + t, 15s), std::nullopt);
  }
  // An HA pair from two addresses at the right interval.
  EXPECT_EQ(Feed(w, "10.0.0.1", At(3'000s), 15s, 10), std::nullopt);
  EXPECT_EQ(Feed(w, "10.0.0.2", At(3'006s), 15s, 10), std::nullopt);
}

TEST(ScrapeIntervalTest, ReportsAgainOnlyAfterAChange) {
  ScrapeIntervalWatch w;
  EXPECT_EQ(Feed(w, "p", At(1'000s), 5s, 4), Duration(5s));  // too fast
  EXPECT_EQ(Feed(w, "p", At(1'020s), 5s, 4), std::nullopt);
  // Fixed: 15 s again (quiet, and forgets the report) ...
  EXPECT_EQ(Feed(w, "p", At(1'035s), 15s, 5), std::nullopt);
  // ... so a relapse is reported; a new wrong interval is reported too.
  EXPECT_EQ(Feed(w, "p", At(1'200s), 5s, 4), Duration(5s));
  EXPECT_EQ(Feed(w, "p", At(1'300s), 60s, 4), Duration(60s));
}

TEST(ScrapeIntervalTest, ForgetsTheLeastRecentlySeenClient) {
  ScrapeIntervalWatch w;
  EXPECT_EQ(Feed(w, "kept", At(1'000s), 30s, 3), std::nullopt);  // one arrival short
  EXPECT_EQ(Feed(w, "old", At(1'000s), 30s, 3), std::nullopt);
  (void)w.Observe("kept", At(1'090s), 15s);  // reported; now the most recently seen
  for (size_t i = 0; i + 2 < ScrapeIntervalWatch::kMaxClients + 1; ++i) {
    (void)w.Observe("c" + std::to_string(i), At(2'000s), 15s);
  }
  // "old" was evicted: its next arrival starts over instead of completing three gaps
  // (which would report 30 s); "kept" is still known.
  EXPECT_EQ(w.Observe("old", At(1'090s), 15s), std::nullopt);
  EXPECT_EQ(Feed(w, "kept", At(1'120s), 60s, 4), Duration(60s));
}

}  // namespace
}  // namespace hermes::scheduler
