#include "probe/stamp_session.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "config/stamp_config.h"
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

// A request duplicated on the way there takes two reflector numbers: the next gap's
// loss is still placed on the way there, not on the way back.
TEST(StampSessionTest, ARequestDuplicatedOnTheWayThereDoesNotTurnForwardLossBackward) {
  ScriptedReflector r([](uint32_t s) {
    return s == 4 ? Act::kDuplicateForward : s == 5 ? Act::kDropForward : Act::kReply;
  });
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.lost, 1u);
  EXPECT_EQ(st.duplicates, 1u);
  EXPECT_EQ(st.lost_forward, 1u);
  EXPECT_EQ(st.lost_backward, 0u);
}

TEST(StampSessionTest, IgnoresDatagramsThatAreNotRepliesToItsPackets) {
  // One stray per packet (within the budget of two datagrams per packet), in turn:
  // short, another session's, not this packet's timestamp, a packet never sent,
  // larger than the packet.
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  r.noise = [](const std::vector<uint8_t>& reply) {
    const stamp::ReflectorPacket p = *stamp::DecodeReflector(reply);
    stamp::ReflectorPacket q = p;
    std::vector<uint8_t> stray(44);
    switch (p.sender_sequence % 5) {
      case 0:
        stray.assign(reply.begin(), reply.begin() + 43);  // short
        return std::vector<std::vector<uint8_t>>{stray};
      case 1:
        q.ssid ^= 0x5555;  // another session's
        break;
      case 2:
        q.sender_timestamp.fraction ^= 1;  // not this packet's
        break;
      case 3:
        q.sender_sequence += 1000;  // never sent
        break;
      default:
        stray = reply;  // this packet's reply, but 45 bytes
        stray.push_back(0);
        return std::vector<std::vector<uint8_t>>{stray};
    }
    stamp::EncodeReflector(q, stray);
    return std::vector<std::vector<uint8_t>>{stray};
  };
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.received, 20u);
  EXPECT_EQ(st.duplicates, 0u);
  EXPECT_EQ(run.session.overrun(), "");
  // Every datagram read counts: 20 replies, 20 strays (4 short ones, 4 read
  // truncated to the packet's 44 bytes).
  EXPECT_EQ(run.session.bytes_received(), 40u * 44 - 4);
}

// A hostile reflector sends `copies` datagrams made by `make` before each reply.
struct Flood {
  const char* name;
  int copies;
  std::function<std::vector<uint8_t>(const std::vector<uint8_t>& reply)> make;
  const char* says;  // in overrun()
};

const Flood kFloods[] = {
    {"duplicates", 10, [](const std::vector<uint8_t>& reply) { return reply; },
     "duplicate replies"},
    {"garbage", 10, [](const std::vector<uint8_t>&) { return std::vector<uint8_t>(44, 0xA5); },
     "not replies"},
    {"oversized", 10,
     [](const std::vector<uint8_t>& reply) {
       std::vector<uint8_t> big = reply;  // the reply padded to the largest STAMP packet
       big.resize(stamp::kMaxPacketBytes);
       return big;
     },
     "larger than the packet"},
};

void PrintTo(const Flood& f, std::ostream* os) { *os << f.name; }

class StampSessionFloodTest : public ::testing::TestWithParam<Flood> {};

TEST_P(StampSessionFloodTest, StopsReadingAtTwoDatagramsPerPacketAndSaysWhy) {
  const Flood& f = GetParam();
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  r.noise = [&f](const std::vector<uint8_t>& reply) {
    return std::vector<std::vector<uint8_t>>(static_cast<size_t>(f.copies), f.make(reply));
  };
  StampSessionOptions o = Sender::Options();
  o.interval = milliseconds(20);  // the flood of one packet arrives before the next
  o.packet_bytes = 100;
  Sender run(r.address(), o);
  ASSERT_TRUE(run.Go().ok());
  config::StampConfig budget;
  budget.count = static_cast<int>(o.count);
  budget.packet_size = static_cast<int>(o.packet_bytes);
  const uint64_t moved = run.session.bytes_sent() + run.session.bytes_received();
  std::printf("flood %s: %llu bytes counted (%llu sent, %llu received), MaxBytesPerRun %llu\n",
              f.name, static_cast<unsigned long long>(moved),
              static_cast<unsigned long long>(run.session.bytes_sent()),
              static_cast<unsigned long long>(run.session.bytes_received()),
              static_cast<unsigned long long>(budget.MaxBytesPerRun()));
  EXPECT_LE(moved, budget.MaxBytesPerRun());
  EXPECT_LE(run.session.bytes_received(), 2 * run.session.bytes_sent());
  EXPECT_NE(run.session.overrun().find("more than 2 datagrams per packet"), std::string::npos)
      << run.session.overrun();
  EXPECT_NE(run.session.overrun().find(f.says), std::string::npos) << run.session.overrun();
  // It ended at the flood, not at its last packet.
  EXPECT_LT(run.session.packets().size(), o.count);
}

INSTANTIATE_TEST_SUITE_P(HostileReflector, StampSessionFloodTest, ::testing::ValuesIn(kFloods),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StampSessionTest, AReflectorThatDuplicatesEveryReplyOnceStaysWithinTheBudget) {
  ScriptedReflector r([](uint32_t) { return Act::kDuplicate; });
  Sender run(r.address());
  ASSERT_TRUE(run.Go().ok());
  const StampSegmentStats st = run.Stats();
  EXPECT_EQ(st.received, 20u);
  // The session ends at the last reply, its duplicate perhaps unread.
  EXPECT_GE(st.duplicates, 19u);
  EXPECT_EQ(run.session.overrun(), "");
  EXPECT_EQ(run.session.bytes_received(), (20u + st.duplicates) * 44);
}

TEST(StampSessionTest, RepliesLargerThanThePacketAreNotReplies) {
  ScriptedReflector r([](uint32_t) { return Act::kDropBackward; });
  r.noise = [](const std::vector<uint8_t>& reply) {
    std::vector<uint8_t> big = reply;
    big.resize(1000);
    return std::vector<std::vector<uint8_t>>{big};
  };
  StampSessionOptions o = Sender::Options();
  o.count = 5;
  Sender run(r.address(), o);
  ASSERT_TRUE(run.Go().ok());
  EXPECT_EQ(run.Stats().received, 0u);
  EXPECT_EQ(run.session.overrun(), "");
  EXPECT_EQ(run.session.bytes_received(), 5u * 44);  // read truncated to the packet's size
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
