#include "probe/stamp_probe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "probe/probe_test_util.h"
#include "probe/stamp_test_util.h"
#include "testing/probe_config.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testutil::Act;
using testutil::IdlePackets;
using testutil::ScriptedReflector;

constexpr size_t kUp = static_cast<size_t>(Direction::kUpload);
constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);

struct Env {
  explicit Env(const net::SocketAddress& reflector) {
    cfg.address = reflector.ToString();
    cfg.count = 20;
    cfg.packet_interval = milliseconds(2);
  }
  Result<std::unique_ptr<Probe>> Make(Status resolve = Status::Ok()) {
    return NewStampProbe(cfg, std::make_unique<testutil::FakeResolver>(resolve));
  }
  ProbeResult Run(Probe& p, Duration timeout = seconds(10)) {
    ProbeContext ctx{named, global, clock, clock.SteadyNow() + timeout, cancelled};
    return p.Run(ctx);
  }
  config::Config global;
  config::ProbeConfig named{.name = "s"};
  config::StampConfig cfg;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
};

TEST(StampProbeTest, MeasuresRttLossAndJitterAndFillsItsLayout) {
  ScriptedReflector r([](uint32_t s) { return s == 4 ? Act::kDropForward : Act::kReply; });
  Env env(r.address());
  auto p = env.Make();
  ASSERT_TRUE(p.ok()) << p.status().message();
  const ProbeResult res = env.Run(**p);
  ASSERT_TRUE(res.success) << res.error;
  const PacketResult& pk = IdlePackets(res);
  EXPECT_EQ(pk.sent, 20u);
  EXPECT_EQ(pk.lost, 1u);
  EXPECT_DOUBLE_EQ(*pk.loss_ratio, 0.05);
  EXPECT_EQ(pk.lost_one_way[kUp], 1u);  // the reflector's numbers show where
  EXPECT_EQ(pk.lost_one_way[kDown], 0u);
  const LatencyResult& idle = res.latency[static_cast<size_t>(Load::kIdle)];
  EXPECT_EQ(idle.samples_seconds.size(), 19u);
  EXPECT_TRUE(idle.median_seconds && idle.jitter_seconds);
  EXPECT_EQ(res.transferred_bytes[kUp], 20u * 44);
  EXPECT_EQ(res.transferred_bytes[kDown], 19u * 44);
  testutil::ExpectFillsExactlyItsLayout(
      res, StampLayout(hermes::testing::MakeProbeConfig("s", "stamp", env.cfg)));
}

TEST(StampProbeTest, PlacesLossOnTheWayBackInTheFirstRun) {
  ScriptedReflector r([](uint32_t s) { return s == 3 ? Act::kDropBackward : Act::kReply; });
  Env env(r.address());
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  ASSERT_TRUE(res.success) << res.error;
  EXPECT_EQ(IdlePackets(res).lost, 1u);
  EXPECT_EQ(IdlePackets(res).lost_one_way[kDown], 1u);
  EXPECT_EQ(IdlePackets(res).lost_one_way[kUp], 0u);
}

TEST(StampProbeTest, StatelessReflectorGivesRoundTripLossOnly) {
  ScriptedReflector r([](uint32_t s) { return s == 2 ? Act::kDropForward : Act::kReply; },
                      /*stateful=*/false);
  Env env(r.address());
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  ASSERT_TRUE(res.success);
  EXPECT_EQ(IdlePackets(res).lost, 1u);
  EXPECT_EQ(IdlePackets(res).lost_one_way[kUp] + IdlePackets(res).lost_one_way[kDown], 0u);
}

TEST(StampProbeTest, NoReflectorIsAConnectFailureWithLossOne) {
  auto closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  const auto to = *net::SocketAddress::FromIp("127.0.0.1", closed.LocalPort());
  closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  Env env(to);
  env.cfg.count = 3;
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  EXPECT_FALSE(res.success);
  EXPECT_EQ(res.reason, FailureReason::kConnect);
  EXPECT_NE(res.error.find("no STAMP reply from 127.0.0.1:"), std::string::npos) << res.error;
  EXPECT_EQ(IdlePackets(res).loss_ratio, 1.0);
}

TEST(StampProbeTest, SilentReflectorIsATimeout) {
  ScriptedReflector r([](uint32_t) { return Act::kDropForward; });
  Env env(r.address());
  env.cfg.count = 3;
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  EXPECT_EQ(res.reason, FailureReason::kTimeout);
  EXPECT_EQ(IdlePackets(res).lost, 3u);
}

TEST(StampProbeTest, FloodingReflectorIsAProtocolFailureWithinTheBudget) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  r.noise = [](const std::vector<uint8_t>& reply) {
    return std::vector<std::vector<uint8_t>>(50, reply);  // every reply 51 times
  };
  Env env(r.address());
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  EXPECT_FALSE(res.success);
  EXPECT_EQ(res.reason, FailureReason::kProtocol);
  EXPECT_NE(res.error.find("more than 2 datagrams per packet"), std::string::npos) << res.error;
  EXPECT_NE(res.error.find("duplicate replies"), std::string::npos) << res.error;
  EXPECT_LE(res.transferred_bytes[kUp] + res.transferred_bytes[kDown], env.cfg.MaxBytesPerRun());
  EXPECT_LE(res.transferred_bytes[kDown], 2 * res.transferred_bytes[kUp]);
}

TEST(StampProbeTest, UnresolvableAddressIsDns) {
  Env env(*net::SocketAddress::FromIp("127.0.0.1", 9));
  auto p = env.Make(Status::NotFound("reflector.invalid: no such host"));
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  EXPECT_EQ(res.reason, FailureReason::kDns);
  EXPECT_EQ(IdlePackets(res).sent, 0u);
}

// The path keys (net/path.h) apply to the session's socket as to every kind's.
TEST(StampProbeTest, PacketsLeaveFromTheSourceAddress) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  Env env(r.address());
  env.cfg.count = 3;
  env.named.path.source_ip_address = "127.0.0.7";
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  ASSERT_TRUE(res.success) << res.error;
  EXPECT_EQ(r.sources(), std::vector<std::string>(3, "127.0.0.7"));
  // A source address of the other family leaves no address to use.
  env.named.path.source_ip_address = "::1";
  const ProbeResult other = env.Run(**p);
  EXPECT_EQ(other.reason, FailureReason::kDns) << other.error;
}

// A name that resolves to an unspecified address would reach this host's own sockets.
TEST(StampProbeTest, UnspecifiedAddressIsRefusedAsConnect) {
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  Env env(*net::SocketAddress::FromIp("0.0.0.0", r.address().port()));
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p);
  EXPECT_EQ(res.reason, FailureReason::kConnect);
  EXPECT_NE(res.error.find("an unspecified address reaches this host itself"), std::string::npos)
      << res.error;
  EXPECT_EQ(IdlePackets(res).sent, 0u);
  EXPECT_TRUE(r.sources().empty());
}

TEST(StampProbeTest, CancelledRunIsATimeout) {
  std::atomic<bool>* flag = nullptr;
  ScriptedReflector r([&](uint32_t s) {
    if (s == 5) *flag = true;
    return Act::kReply;
  });
  Env env(r.address());
  flag = &env.cancelled;
  env.cfg.count = 10000;
  auto p = env.Make();
  ASSERT_TRUE(p.ok());
  const ProbeResult res = env.Run(**p, seconds(60));
  EXPECT_EQ(res.reason, FailureReason::kTimeout);
  EXPECT_GE(IdlePackets(res).sent, 6u);
}

}  // namespace
}  // namespace hermes::probe
