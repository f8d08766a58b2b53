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
  StampSegmentStats One(bool known_stateful = false) const {
    return AnalyzeStampSession(packets, 1, known_stateful).segments.at(0);
  }

  Duration offset;
  SteadyTime t0 = SteadyTime(std::chrono::seconds(100));
  std::vector<StampPacketRecord> packets;
};

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

TEST(StampStatsTest, ForwardLossShowsInTheReflectorsNumbers) {
  Session s;
  s.Echoed(3).Lost();  // packet 3 never reached the reflector:
  for (uint32_t r = 3; r < 9; ++r) s.Answered(r, milliseconds(5));  // R = S - 1 from here
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.sent, 10u);
  EXPECT_EQ(st.lost, 1u);
  EXPECT_EQ(st.lost_forward, 1u);
  EXPECT_EQ(st.lost_backward, 0u);
  EXPECT_TRUE(AnalyzeStampSession(s.packets, 1, false).reflector_stateful);
}

TEST(StampStatsTest, BackwardLossAloneDoesNotProveAStatefulReflector) {
  Session s;
  s.Echoed(3).Lost();                                                // reflected as 3, reply lost
  for (uint32_t r = 4; r < 10; ++r) s.Answered(r, milliseconds(5));  // R = S throughout
  EXPECT_FALSE(AnalyzeStampSession(s.packets, 1, false).reflector_stateful);
  const StampSegmentStats unknown = s.One(false);
  EXPECT_EQ(unknown.lost, 1u);
  EXPECT_EQ(unknown.lost_forward + unknown.lost_backward, 0u);  // a stateless one looks alike
  const StampSegmentStats known = s.One(true);
  EXPECT_EQ(known.lost_backward, 1u);
  EXPECT_EQ(known.lost_forward, 0u);
}

TEST(StampStatsTest, MixedGapsSplitByCount) {
  Session s;
  s.Answered(0, milliseconds(5));
  s.Lost().Lost().Lost();  // reflector saw one of the three (R jumps by 2)
  s.Answered(2, milliseconds(5));
  s.Lost();  // packets before the first answer: see the next test
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.lost, 4u);
  EXPECT_EQ(st.lost_forward, 2u);
  EXPECT_EQ(st.lost_backward, 1u);  // the last packet has no direction
}

TEST(StampStatsTest, LossesBeforeTheFirstAnswerSplitFromItsNumber) {
  Session s;
  s.Lost().Lost().Lost();          // three lost; the reflector reflected one of them
  s.Answered(1, milliseconds(5));  // so R(3) = 1
  s.Answered(2, milliseconds(5));
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.lost_forward, 2u);
  EXPECT_EQ(st.lost_backward, 1u);
}

TEST(StampStatsTest, NumbersThatDoNotFitGiveNoDirection) {
  Session s;
  s.Lost();
  s.Answered(7, milliseconds(5));  // the reflector did not start at 0 for us (old state)
  s.Lost();
  s.Answered(9, milliseconds(5));  // R jumps by 2 over one missing packet: fits
  s.Lost();
  s.Answered(8, milliseconds(5));  // R goes back: does not fit
  const StampSegmentStats st = s.One();
  EXPECT_EQ(st.lost, 3u);
  EXPECT_EQ(st.lost_forward, 0u);
  EXPECT_EQ(st.lost_backward, 1u);
}

TEST(StampStatsTest, SegmentsAreCountedApartAndPairsDoNotCrossThem) {
  Session s;
  s.Echoed(2, 0);
  s.Lost(-1);  // sent between phases: not counted anywhere
  s.Answered(2, milliseconds(5), microseconds(50), milliseconds(5), -1);
  s.Answered(3, milliseconds(50), microseconds(50), milliseconds(5), 1);
  s.Answered(4, milliseconds(50), microseconds(50), milliseconds(5), 1);
  s.Lost(1);
  s.Answered(6, milliseconds(50), microseconds(50), milliseconds(5), 1);
  const StampAnalysis a = AnalyzeStampSession(s.packets, 2, false);
  ASSERT_EQ(a.segments.size(), 2u);
  EXPECT_EQ(a.segments[0].sent, 2u);
  EXPECT_EQ(a.segments[1].sent, 4u);
  EXPECT_EQ(a.segments[1].lost, 1u);
  EXPECT_EQ(a.segments[1].lost_backward, 1u);  // R = S and the gap is in one segment
  EXPECT_NEAR(*a.segments[0].ipdv_seconds, 0, 1e-9);
  EXPECT_NEAR(*a.segments[1].ipdv_seconds, 0, 1e-9);  // 5 ms -> 50 ms is across segments
  EXPECT_EQ(a.segments[1].rtt_seconds.size(), 3u);
}

TEST(StampStatsTest, AMixedGapAcrossSegmentsHasNoDirection) {
  Session s;
  s.Answered(0, milliseconds(5), microseconds(50), milliseconds(5), 0);
  s.Lost(0).Lost(1).Lost(1);
  s.Answered(2, milliseconds(5), microseconds(50), milliseconds(5), 1);
  const StampAnalysis a = AnalyzeStampSession(s.packets, 2, false);
  EXPECT_EQ(a.segments[0].lost_forward + a.segments[0].lost_backward, 0u);
  EXPECT_EQ(a.segments[1].lost_forward + a.segments[1].lost_backward, 0u);
  Session one_way;  // all three forward: each counts in its own segment
  one_way.Answered(0, milliseconds(5), microseconds(50), milliseconds(5), 0);
  one_way.Lost(0).Lost(1).Lost(1);
  one_way.Answered(1, milliseconds(5), microseconds(50), milliseconds(5), 1);
  const StampAnalysis b = AnalyzeStampSession(one_way.packets, 2, false);
  EXPECT_EQ(b.segments[0].lost_forward, 1u);
  EXPECT_EQ(b.segments[1].lost_forward, 2u);
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

TEST(StampStatsTest, MemoryLearnsAStatefulReflectorAndForgetsItWithItsAddress) {
  Session proof;  // a forward loss: R != S
  proof.Echoed(2).Lost();
  proof.Answered(2, milliseconds(5));
  Session back;  // a backward loss only: R = S
  back.Echoed(2).Lost();
  back.Answered(3, milliseconds(5));
  ReflectorMemory m;
  EXPECT_EQ(m.Analyze("192.0.2.9:862", back.packets, 1).segments[0].lost_backward, 0u);
  EXPECT_EQ(m.Analyze("192.0.2.9:862", proof.packets, 1).segments[0].lost_forward, 1u);
  EXPECT_EQ(m.Analyze("192.0.2.9:862", back.packets, 1).segments[0].lost_backward, 1u);
  EXPECT_EQ(m.Analyze("192.0.2.10:862", back.packets, 1).segments[0].lost_backward, 0u);
}

}  // namespace
}  // namespace hermes::probe
