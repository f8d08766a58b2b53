#include "probe/stamp_session.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "net/stamp_packet.h"
#include "net/udp_socket.h"

namespace hermes::probe {
namespace {

namespace stamp = net::stamp;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What the scripted reflector does with the sender's packet number S.
enum class Act { kReply, kDropForward, kDropBackward, kDuplicate, kHoldForNext };

// A misbehaving-on-purpose STAMP reflector on 127.0.0.1: stateful numbering (it
// counts what it reflected, a lost reply included), every packet's fate scripted.
class ScriptedReflector {
 public:
  explicit ScriptedReflector(std::function<Act(uint32_t)> script, bool stateful = true)
      : script_(std::move(script)),
        stateful_(stateful),
        sock_(net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value()),
        thread_([this] { Loop(); }) {}
  ~ScriptedReflector() {
    done_ = true;
    thread_.join();
  }
  net::SocketAddress address() const {
    return *net::SocketAddress::FromIp("127.0.0.1", sock_.LocalPort());
  }
  // Datagrams sent before every real reply (stray or forged ones).
  std::function<std::vector<std::vector<uint8_t>>(const std::vector<uint8_t>& reply)> noise;
  std::vector<size_t> sizes() {
    std::lock_guard<std::mutex> l(mu_);
    return sizes_;
  }

 private:
  void Loop() {
    std::vector<uint8_t> buf(65536);
    std::vector<uint8_t> held;
    net::SocketAddress held_to;
    while (!done_) {
      pollfd p{sock_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      auto d = sock_.TryReceive(buf);
      if (!d.ok() || !d->has_value()) continue;
      const net::ReceivedDatagram& in = **d;
      auto req = stamp::DecodeSender(std::span<const uint8_t>(buf.data(), in.size));
      if (!req) continue;
      {
        std::lock_guard<std::mutex> l(mu_);
        sizes_.push_back(in.size);
      }
      const Act act = script_(req->sequence);
      if (act == Act::kDropForward) continue;
      stamp::ReflectorPacket r;
      r.sequence = stateful_ ? next_++ : req->sequence;
      r.ssid = req->ssid;
      r.sender_sequence = req->sequence;
      r.sender_timestamp = req->timestamp;
      r.receive_timestamp = stamp::ToNtp(std::chrono::system_clock::now());
      r.timestamp = stamp::ToNtp(std::chrono::system_clock::now());
      std::vector<uint8_t> out(buf.begin(), buf.begin() + static_cast<long>(in.size));
      stamp::EncodeReflector(r, out);
      if (act == Act::kDropBackward) continue;
      if (noise) {
        for (const auto& n : noise(out)) (void)sock_.SendTo(n, in.from, {});
      }
      if (act == Act::kHoldForNext) {
        held = out;
        held_to = in.from;
        continue;
      }
      (void)sock_.SendTo(out, in.from, {});
      if (act == Act::kDuplicate) (void)sock_.SendTo(out, in.from, {});
      if (!held.empty()) {
        (void)sock_.SendTo(held, held_to, {});
        held.clear();
      }
    }
  }

  std::function<Act(uint32_t)> script_;
  const bool stateful_;
  net::UdpSocket sock_;
  uint32_t next_ = 0;
  std::mutex mu_;
  std::vector<size_t> sizes_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

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
  StampSegmentStats Stats() {
    return AnalyzeStampSession(session.packets(), 1, false).segments.at(0);
  }
  SystemClock clock;
  std::atomic<bool> cancelled{false}, stop{false};
  std::atomic<int> segment{0};
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
  const StampAnalysis a = AnalyzeStampSession(run.session.packets(), 1, false);
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
  const auto& p = run.session.packets();
  ASSERT_EQ(p.size(), 10u);
  for (size_t i = 1; i < p.size(); ++i) {
    // Never early; 9 intervals take at least 180 ms however late the thread wakes.
    EXPECT_GE(p[i].sent - p[0].sent, milliseconds(20) * static_cast<int>(i) - milliseconds(1));
  }
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
  run.segment = 2;
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
