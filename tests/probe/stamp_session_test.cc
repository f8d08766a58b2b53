#include "probe/stamp_session.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "net/stamp_packet.h"
#include "net/udp_socket.h"
#include "probe/stamp_test_util.h"

namespace hermes::probe {
namespace {

using testutil::Act;
using testutil::ScriptedReflector;

namespace stamp = net::stamp;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Sender {
  explicit Sender(const net::SocketAddress& to, StampSessionOptions o = Options())
      : session(StampSession::Open(to, o).value()) {}
  static StampSessionOptions Options() {
    StampSessionOptions o;
    o.interval = milliseconds(2);
    o.count = 20;
    return o;
  }
  Status Go(Duration timeout = seconds(30)) {
    const net::Deadline d{clock, clock.SteadyNow() + timeout, cancelled};
    return session.Run(clock, d, d.at, stop, segment);
  }
  StampSegmentStats Stats() { return AnalyzeStampSession(session.packets(), 1).segments.at(0); }
  SystemClock clock;
  std::atomic<bool> cancelled{false}, stop{false};
  std::function<int(SteadyTime)> segment = [](SteadyTime) { return 0; };
  StampSession session;
};

TEST(StampSessionTest, SplitsLossByDirectionAgainstAStatefulReflector) {
  ScriptedReflector r([](uint32_t s) {
    return s == 3 || s == 4 ? Act::kDropForward : s == 11 ? Act::kDropBackward : Act::kReply;
  });
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.sent, 20u);
  EXPECT_EQ(st.received, 17u);
  EXPECT_EQ(st.lost_forward, 2u);
  EXPECT_EQ(st.lost_backward, 1u);
  EXPECT_EQ(st.rtt_seconds.size(), 17u);
  for (double rtt : st.rtt_seconds) EXPECT_GT(rtt, 0);
  EXPECT_EQ(run.session.bytes_sent(), 20u * 44);
  EXPECT_EQ(run.session.bytes_received(), 17u * 44);
}

TEST(StampSessionTest, StatelessReflectorGivesRoundTripLossOnly) {
  ScriptedReflector r([](uint32_t s) { return s == 3 ? Act::kDropForward : Act::kReply; }, false);
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampAnalysis a = AnalyzeStampSession(run.session.packets(), 1);
  EXPECT_FALSE(a.reflector_stateful);
  EXPECT_EQ(a.segments[0].lost, 1u);
  EXPECT_EQ(a.segments[0].lost_forward + a.segments[0].lost_backward, 0u);
}

TEST(StampSessionTest, CountsDuplicatesAndReordering) {
  ScriptedReflector r([](uint32_t s) {
    return s == 2 ? Act::kDuplicate : s == 5 ? Act::kHoldForNext : Act::kReply;
  });
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.lost, 0u);
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.reordered, 1u);  // 5's reply came after 6's
  EXPECT_EQ(run.session.bytes_received(), 21u * 44);
}

TEST(StampSessionTest, IgnoresDatagramsThatAreNotRepliesToItsPackets) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  r.noise = [](const std::vector<uint8_t>& reply) {
    std::vector<std::vector<uint8_t>> out;
    out.push_back(std::vector<uint8_t>(reply.begin(), reply.begin() + 43));  // short
    auto p = *stamp::DecodeReflector(reply);
    auto forged = [&](auto change) {
      stamp::ReflectorPacket q = p;
      change(q);
      std::vector<uint8_t> b(44);
      stamp::EncodeReflector(q, b);
      out.push_back(b);
    };
    forged([](stamp::ReflectorPacket& q) { q.ssid ^= 0x5555; });                  // other session
    forged([](stamp::ReflectorPacket& q) { q.sender_timestamp.fraction ^= 1; });  // not ours
    forged([](stamp::ReflectorPacket& q) { q.sender_sequence += 1000; });         // never sent
    return out;
  };
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.received, 20u);
  EXPECT_EQ(st.duplicates, 0u);
  EXPECT_EQ(run.session.bytes_received(), 20u * 44);
}

TEST(StampSessionTest, PadsPacketsToTheConfiguredSize) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  StampSessionOptions o = Sender::Options();
  o.packet_bytes = 200;
  o.count = 3;
  Sender run(r.address(), o);
  ASSERT_TRUE(run.Go().ok());
  EXPECT_EQ(r.sizes(), std::vector<size_t>({200, 200, 200}));
  EXPECT_EQ(run.session.bytes_sent(), 600u);
}

TEST(StampSessionTest, SendsOnAFixedSchedule) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  StampSessionOptions o = Sender::Options();
  o.interval = milliseconds(20);
  o.count = 10;
  Sender run(r.address(), o);
  ASSERT_TRUE(run.Go().ok());
  std::vector<SteadyTime> sent;
  for (const auto& p : run.session.packets()) sent.push_back(p.sent);
  ASSERT_EQ(sent.size(), 10u);
  std::sort(sent.begin(), sent.end());  // in slot order (packets 1 and 0 swap places)
  for (size_t i = 1; i < sent.size(); ++i) {
    // Never early; 9 intervals take at least 180 ms however late the thread wakes.
    EXPECT_GE(sent[i] - sent[0], milliseconds(20) * static_cast<int>(i) - milliseconds(1));
  }
}

TEST(StampSessionTest, SendsTheFirstTwoPacketsSwappedSoAStatefulReflectorShows) {
  ScriptedReflector r([](uint32_t s) { return s == 5 ? Act::kDropBackward : Act::kReply; });
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const std::vector<uint32_t> seqs = r.sequences();
  ASSERT_GE(seqs.size(), 3u);
  EXPECT_EQ(seqs[0], 1u);
  EXPECT_EQ(seqs[1], 0u);
  EXPECT_EQ(seqs[2], 2u);
  const StampAnalysis a = AnalyzeStampSession(run.session.packets(), 1);
  EXPECT_TRUE(a.reflector_stateful);
  EXPECT_EQ(a.segments[0].lost_backward, 1u);  // backward loss alone is placed too
  EXPECT_EQ(a.segments[0].reordered, 0u);      // the swap is not a reordering
}

TEST(StampSessionTest, StopsSendingWhenAskedAndRecordsTheSegment) {
  std::atomic<bool> stop{false};
  ScriptedReflector r([&](uint32_t s) {
    if (s == 10) stop = true;  // another thread ends the stream, as the speedtest does
    return Act::kReply;
  });
  StampSessionOptions o = Sender::Options();
  o.count = 100000;
  Sender run(r.address(), o);
  run.segment = [](SteadyTime) { return 2; };
  const net::Deadline d{run.clock, run.clock.SteadyNow() + seconds(30), run.cancelled};
  ASSERT_TRUE(run.session.Run(run.clock, d, d.at, stop, run.segment).ok());
  EXPECT_LT(run.session.packets().size(), 100000u);
  EXPECT_GE(run.session.packets().size(), 11u);
  EXPECT_EQ(run.session.packets().front().segment, 2);
}

TEST(StampSessionTest, ClosedPortIsNoAnswerWithTheKernelsError) {
  auto closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  const auto to = *net::SocketAddress::FromIp("127.0.0.1", closed.LocalPort());
  closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  StampSessionOptions o = Sender::Options();
  o.count = 5;
  Sender run(to, o);
  ASSERT_TRUE(run.Go().ok());
  EXPECT_EQ(run.Stats().received, 0u);
  EXPECT_EQ(run.Stats().sent, 5u);
  EXPECT_NE(run.session.last_error().find("refused"), std::string::npos)
      << run.session.last_error();
}

TEST(StampSessionTest, CancellationEndsTheRun) {
  std::atomic<bool> cancelled{false};
  ScriptedReflector r([&](uint32_t s) {
    if (s == 5) cancelled = true;
    return Act::kDropForward;
  });
  StampSessionOptions o = Sender::Options();
  o.count = 100000;
  Sender run(r.address(), o);
  const net::Deadline d{run.clock, run.clock.SteadyNow() + seconds(30), cancelled};
  EXPECT_EQ(run.session.Run(run.clock, d, d.at, run.stop, run.segment).code(),
            StatusCode::kDeadlineExceeded);
}

TEST(StampSessionTest, RejectsOptionsOutOfRange) {
  const auto to = *net::SocketAddress::FromIp("127.0.0.1", 9);
  StampSessionOptions o;
  o.packet_bytes = 43;
  EXPECT_FALSE(StampSession::Open(to, o).ok());
  o.packet_bytes = stamp::kMaxPacketBytes + 1;
  EXPECT_FALSE(StampSession::Open(to, o).ok());
  o = {};
  o.count = 0;
  EXPECT_FALSE(StampSession::Open(to, o).ok());
}

}  // namespace
}  // namespace hermes::probe
