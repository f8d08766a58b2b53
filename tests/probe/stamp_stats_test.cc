#include "probe/stamp_stats.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

namespace hermes::probe {
namespace {

namespace stamp = net::stamp;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Builds a session where packet i is sent at i x 10 ms. The reflector's clock is
// `offset` ahead of ours (one-way IPDV must not care).
struct Session {
  explicit Session(Duration offset = std::chrono::hours(1000)) : offset(offset) {}

  // Packet answered with reflector number `r`, forward delay `fwd`, reflector
  // hold `hold` and backward delay `bwd`.
  Session& Answered(uint32_t r, Duration fwd, Duration hold = microseconds(50),
                    Duration bwd = milliseconds(5), int segment = 0) {
    StampPacketRecord p = Next(segment);
    p.answered = true;
    p.reflector_sequence = r;
    p.reflector_received = stamp::ToNtp(Wall(p.sent + fwd));
    p.reflector_sent = stamp::ToNtp(Wall(p.sent + fwd + hold));
    p.received = p.sent + fwd + hold + bwd;
    packets.push_back(p);
    return *this;
  }
  Session& Lost(int segment = 0) {
    packets.push_back(Next(segment));
    return *this;
  }
  // Answered packets 0..n-1 with R = S (a stateless reflector, or no forward loss).
  Session& Echoed(int n, int segment = 0) {
    for (int i = 0; i < n; ++i) {
      const auto s = static_cast<uint32_t>(packets.size());
      Answered(s, milliseconds(5), microseconds(50), milliseconds(5), segment);
    }
    return *this;
  }
  StampPacketRecord Next(int segment) const {
    StampPacketRecord p;
    p.segment = segment;
    p.sent = t0 + milliseconds(10) * static_cast<int64_t>(packets.size());
    return p;
  }
  WallTime Wall(SteadyTime t) const { return WallTime(t.time_since_epoch() + offset); }
  StampSegmentStats One() const { return AnalyzeStampSession(packets, 1).segments.at(0); }

  Duration offset;
  SteadyTime t0 = SteadyTime(std::chrono::seconds(100));
  std::vector<StampPacketRecord> packets;
};

// What happened to each packet, by sender number.
enum Fate { kOk, kLostThere, kLostBack };

// A session as a reflector answers it: the sender transmits 1, 0, 2, 3, ... (its
// first pair swapped, stamp_session.h); a stateful reflector numbers what it
// receives in that order (a reply lost on the way back included), a stateless one
// echoes S.
Session FromFates(const std::vector<Fate>& fates, bool stateful = true,
                  const std::vector<int>& segments = {}) {
  std::vector<uint32_t> r(fates.size());
  uint32_t next = 0;
  const bool swap = fates.size() >= 2;
  for (size_t slot = 0; slot < fates.size(); ++slot) {
    const size_t s = swap && slot < 2 ? 1 - slot : slot;
    if (fates[s] != kLostThere) r[s] = stateful ? next++ : static_cast<uint32_t>(s);
  }
  Session out;
  for (size_t s = 0; s < fates.size(); ++s) {
    const int seg = segments.empty() ? 0 : segments[s];
    if (fates[s] == kOk) {
      out.Answered(r[s], milliseconds(5), microseconds(50), milliseconds(5), seg);
    } else {
      out.Lost(seg);
    }
    out.packets.back().swapped = swap && s < 2;
  }
  return out;
}

std::vector<Fate> OkExcept(size_t n, std::initializer_list<std::pair<size_t, Fate>> lost) {
  std::vector<Fate> f(n, kOk);
  for (auto [i, fate] : lost) f[i] = fate;
  return f;
}

TEST(StampStatsTest, RttTakesOutTheReflectorsTime) {
  Session s;
  s.Answered(0, milliseconds(3), milliseconds(2), milliseconds(4));
  const StampSegmentStats st = s.One();
  ASSERT_EQ(st.rtt_seconds.size(), 1u);
  EXPECT_NEAR(st.rtt_seconds[0], 0.007, 1e-9);
  EXPECT_EQ(st.sent, 1u);
  EXPECT_EQ(st.lost, 0u);
}

TEST(StampStatsTest, UnusableReflectorTimestampsLeaveTheFullRoundTrip) {
  Session s;
  s.Answered(0, milliseconds(3), milliseconds(2), milliseconds(4));
  s.Answered(1, milliseconds(3), milliseconds(2), milliseconds(4));
  s.packets[0].reflector_received = {};                                     // zero: not filled
  std::swap(s.packets[1].reflector_received, s.packets[1].reflector_sent);  // T3 < T2
  const StampSegmentStats st = s.One();
  EXPECT_NEAR(st.rtt_seconds[0], 0.009, 1e-9);
  EXPECT_NEAR(st.rtt_seconds[1], 0.009, 1e-9);
  EXPECT_FALSE(st.ipdv_forward_seconds.has_value());
  EXPECT_FALSE(st.ipdv_backward_seconds.has_value());
  EXPECT_NEAR(*st.ipdv_seconds, 0.0, 1e-9);
}

TEST(StampStatsTest, IpdvPerDirectionIgnoresTheClockOffset) {
  for (Duration offset : {Duration::zero(), Duration(std::chrono::hours(-30000)),
                          Duration(std::chrono::hours(50000))}) {
    Session s(offset);
    s.Answered(0, milliseconds(5), microseconds(10), milliseconds(5));
    s.Answered(1, milliseconds(7), microseconds(10), milliseconds(5));  // forward +2 ms
    s.Answered(2, milliseconds(7), microseconds(10), milliseconds(8));  // backward +3 ms
    const StampSegmentStats st = s.One();
    EXPECT_NEAR(*st.ipdv_forward_seconds, (0.002 + 0.0) / 2, 1e-8);
    EXPECT_NEAR(*st.ipdv_backward_seconds, (0.0 + 0.003) / 2, 1e-8);
    EXPECT_NEAR(*st.ipdv_seconds, (0.002 + 0.003) / 2, 1e-8);
  }
}

TEST(StampStatsTest, IpdvNeedsConsecutivePackets) {
  Session s;
  s.Answered(0, milliseconds(5));
  s.Lost();
  s.Answered(2, milliseconds(50));  // 0 and 2 are not a pair (RFC 3393 selection)
  EXPECT_FALSE(s.One().ipdv_seconds.has_value());
}

TEST(StampStatsTest, TheSwappedFirstPacketsRevealAStatefulReflector) {
  EXPECT_TRUE(AnalyzeStampSession(FromFates(OkExcept(10, {})).packets, 1).reflector_stateful);
  EXPECT_FALSE(
      AnalyzeStampSession(FromFates(OkExcept(10, {}), false).packets, 1).reflector_stateful);
}

TEST(StampStatsTest, ForwardAndBackwardLossShowInTheReflectorsNumbers) {
  const StampSegmentStats st =
      FromFates(OkExcept(12, {{3, kLostThere}, {6, kLostBack}, {7, kLostBack}})).One();
  EXPECT_EQ(st.sent, 12u);
  EXPECT_EQ(st.lost, 3u);
  EXPECT_EQ(st.lost_forward, 1u);
  EXPECT_EQ(st.lost_backward, 2u);
}

TEST(StampStatsTest, AStatelessReflectorLeavesTheDirectionOpen) {
  const StampSegmentStats st =
      FromFates(OkExcept(12, {{3, kLostThere}, {6, kLostBack}}), /*stateful=*/false).One();
  EXPECT_EQ(st.lost, 2u);
  EXPECT_EQ(st.lost_forward + st.lost_backward, 0u);
}

TEST(StampStatsTest, MixedGapsSplitByCount) {
  const StampSegmentStats st =
      FromFates(OkExcept(9, {{3, kLostThere}, {4, kLostBack}, {5, kLostThere}, {8, kLostBack}}))
          .One();
  EXPECT_EQ(st.lost, 4u);
  EXPECT_EQ(st.lost_forward, 2u);
  EXPECT_EQ(st.lost_backward, 1u);  // the last packet has no direction
}

TEST(StampStatsTest, LossesAmongTheSwappedPacketsSplitFromTheFirstAnchor) {
  // Packet 1 (sent first) reflected but lost back, packet 0 lost on the way there.
  StampSegmentStats st = FromFates(OkExcept(6, {{0, kLostThere}, {1, kLostBack}})).One();
  EXPECT_EQ(st.lost_forward, 1u);
  EXPECT_EQ(st.lost_backward, 1u);
  // Both answered (R(0) = 1, R(1) = 0), then a loss on the way there.
  st = FromFates(OkExcept(6, {{2, kLostThere}})).One();
  EXPECT_EQ(st.lost_forward, 1u);
  EXPECT_EQ(st.lost_backward, 0u);
  st = FromFates(OkExcept(6, {{0, kLostBack}, {2, kLostBack}})).One();
  EXPECT_EQ(st.lost_forward, 0u);
  EXPECT_EQ(st.lost_backward, 2u);
}

TEST(StampStatsTest, NumbersThatDoNotFitGiveNoDirection) {
  Session s;  // a reflector that kept numbering from an old session
  s.Answered(7, milliseconds(5)).Answered(8, milliseconds(5)).Answered(9, milliseconds(5));
  s.Lost();
  s.Answered(11, milliseconds(5));  // R jumps by 2 over one missing packet: lost back
  s.Lost();
  s.Answered(10, milliseconds(5));  // R goes back: does not fit
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.lost, 2u);
  EXPECT_EQ(st.lost_forward, 0u);
  EXPECT_EQ(st.lost_backward, 1u);
}

TEST(StampStatsTest, SegmentsAreCountedApartAndPairsDoNotCrossThem) {
  Session s = FromFates(OkExcept(7, {{5, kLostBack}}), true, {0, 0, -1, -1, 1, 1, 1});
  s.Answered(6, milliseconds(50), microseconds(50), milliseconds(5), 1);  // a later, slower one
  const StampAnalysis a = AnalyzeStampSession(s.packets, 2);
  ASSERT_EQ(a.segments.size(), 2u);
  EXPECT_EQ(a.segments[0].sent, 2u);  // packets sent between phases count nowhere
  EXPECT_EQ(a.segments[1].sent, 4u);
  EXPECT_EQ(a.segments[1].lost, 1u);
  EXPECT_EQ(a.segments[1].lost_backward, 1u);
  EXPECT_NEAR(*a.segments[0].ipdv_seconds, 0, 1e-9);
  EXPECT_FALSE(a.segments[1].ipdv_forward_seconds.has_value() &&
               *a.segments[1].ipdv_forward_seconds > 0.1);  // 5 ms -> 50 ms pairs stay inside
  EXPECT_EQ(a.segments[1].rtt_seconds.size(), 3u);
}

TEST(StampStatsTest, AMixedGapAcrossSegmentsHasNoDirection) {
  const std::vector<int> seg = {0, 0, 0, 0, 1, 1, 1};
  StampAnalysis a = AnalyzeStampSession(
      FromFates(OkExcept(7, {{3, kLostThere}, {4, kLostBack}}), true, seg).packets, 2);
  EXPECT_EQ(a.segments[0].lost_forward + a.segments[0].lost_backward, 0u);
  EXPECT_EQ(a.segments[1].lost_forward + a.segments[1].lost_backward, 0u);
  // All one way: each counts in its own segment.
  a = AnalyzeStampSession(
      FromFates(OkExcept(7, {{3, kLostThere}, {4, kLostThere}}), true, seg).packets, 2);
  EXPECT_EQ(a.segments[0].lost_forward, 1u);
  EXPECT_EQ(a.segments[1].lost_forward, 1u);
}

TEST(StampStatsTest, DuplicatesAndReorderingAreCounted) {
  Session s;
  s.Echoed(3);
  s.packets[1].duplicates = 2;
  s.packets[2].reordered = true;
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(st.reordered, 1u);
  EXPECT_EQ(st.received, 3u);
}

}  // namespace
}  // namespace hermes::probe
