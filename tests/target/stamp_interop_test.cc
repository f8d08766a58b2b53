// The session-sender (probe/stamp_session.h) against hermes-target's reflector.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "probe/stamp_session.h"
#include "target/stamp_reflector.h"
#include "target/stamp_test_util.h"

namespace hermes::target {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Result {
  probe::StampAnalysis analysis;
  uint64_t sent_bytes = 0, received_bytes = 0;
};

Result Measure(const std::string& ip, StampLimits limits, uint32_t count, Duration interval) {
  SystemClock clock;
  const std::string listen = ip.find(':') == std::string::npos ? ip + ":0" : "[" + ip + "]:0";
  auto reflector = StartReflector(listen, limits);
  if (reflector == nullptr) return {};
  probe::StampSessionOptions o;
  o.count = count;
  o.interval = interval;
  auto session = probe::StampSession::Open(*net::SocketAddress::FromIp(ip, reflector->port()), o);
  EXPECT_TRUE(session.ok());
  if (!session.ok()) return {};
  std::atomic<bool> cancelled{false}, stop{false};
  const net::Deadline d{clock, clock.SteadyNow() + seconds(60), cancelled};
  EXPECT_TRUE(session->Run(clock, d, d.at, stop, [](SteadyTime) { return 0; }).ok());
  return {probe::AnalyzeStampSession(session->packets(), 1), session->bytes_sent(),
          session->bytes_received()};
}

TEST(StampInteropTest, AnIdleLoopbackPathLosesNothing) {
  const Result r = Measure("127.0.0.1", {}, 50, milliseconds(2));
  const probe::StampSegmentStats& s = r.analysis.segments.at(0);
  EXPECT_EQ(s.sent, 50u);
  EXPECT_EQ(s.lost, 0u);
  EXPECT_EQ(s.rtt_seconds.size(), 50u);
  ASSERT_TRUE(s.ipdv_forward_seconds.has_value());  // the reflector's timestamps are usable
  ASSERT_TRUE(s.ipdv_backward_seconds.has_value());
  EXPECT_EQ(r.sent_bytes, 50u * 44);
  EXPECT_EQ(r.received_bytes, 50u * 44);
}

// The reflector's rate limit drops packets before reflecting them: forward loss,
// which its own sequence numbers reveal.
TEST(StampInteropTest, StatefulReflectorLetsTheSenderSplitLossByDirection) {
  StampLimits l;
  l.packets_per_second = 10;  // burst 10, then one in four packets of 40/s
  const Result r = Measure("127.0.0.1", l, 40, milliseconds(25));
  const probe::StampSegmentStats& s = r.analysis.segments.at(0);
  EXPECT_TRUE(r.analysis.reflector_stateful);
  EXPECT_GT(s.lost, 5u);
  EXPECT_EQ(s.lost_backward, 0u);
  // Only packets after the last answered one (at most three here) have no direction.
  EXPECT_GE(s.lost_forward + 3, s.lost);
}

TEST(StampInteropTest, StatelessReflectorLeavesTheDirectionOpen) {
  StampLimits l;
  l.stateless = true;
  l.packets_per_second = 10;
  const Result r = Measure("127.0.0.1", l, 40, milliseconds(25));
  const probe::StampSegmentStats& s = r.analysis.segments.at(0);
  EXPECT_FALSE(r.analysis.reflector_stateful);
  EXPECT_GT(s.lost, 5u);
  EXPECT_EQ(s.lost_forward + s.lost_backward, 0u);
}

TEST(StampInteropTest, WorksOverIpv6) {
  if (!net::UdpSocket::Bind(*net::SocketAddress::FromIp("::1", 0), false).ok()) {
    GTEST_SKIP() << "no IPv6 loopback";
  }
  const Result r = Measure("::1", {}, 10, milliseconds(2));
  EXPECT_EQ(r.analysis.segments.at(0).received, 10u);
}

}  // namespace
}  // namespace hermes::target
