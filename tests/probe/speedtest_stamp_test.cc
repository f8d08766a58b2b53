// The speedtest's loaded_stamp stream (probe/speedtest_stamp.h) in whole runs
// against the speed-test fixture and a scripted STAMP reflector.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "probe/curl_probe_test_util.h"
#include "probe/probe_test_util.h"
#include "probe/speedtest_probe.h"
#include "probe/stamp_test_util.h"
#include "testing/probe_config.h"
#include "testing/speed_fixture.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testutil::Act;
using testutil::ScriptedReflector;

constexpr size_t kUp = static_cast<size_t>(Direction::kUpload);
constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);

config::SpeedtestConfig Config(const std::string& url, const net::SocketAddress& reflector) {
  config::SpeedtestConfig cfg;
  cfg.target.url = url;
  cfg.latency.samples = 3;
  cfg.download = {true, 2, milliseconds(600), milliseconds(200), 50'000'000'000ull};
  cfg.upload = {true, 2, milliseconds(600), milliseconds(200), 50'000'000'000ull};
  config::LoadedStampConfig s;
  s.address = reflector.ToString();
  s.interval = milliseconds(10);
  s.max_packets = 10000;
  cfg.loaded_stamp = s;
  return cfg;
}

const PacketResult& At(const ProbeResult& r, Load l) { return r.packets[static_cast<size_t>(l)]; }

TEST(SpeedtestStampTest, LossAndJitterIdleAndUnderEachLoad) {
  testing::SpeedFixture fx;
  std::atomic<uint32_t> reflected{0};
  ScriptedReflector r([&](uint32_t s) {
    ++reflected;
    return s % 10 == 3 ? Act::kDropForward : Act::kReply;  // 10 % lost on the way there
  });
  const config::SpeedtestConfig cfg = Config(fx.url(), r.address());
  auto probe = NewSpeedtestProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const ProbeResult res = testutil::RunOnce(**probe, seconds(20)).result;
  ASSERT_TRUE(res.success) << res.error;
  testutil::ExpectFillsExactlyItsLayout(
      res, SpeedtestLayout(hermes::testing::MakeProbeConfig("s", "speedtest", cfg)));
  uint64_t counted = 0;
  for (Load l : kAllLoads) {
    const PacketResult& p = At(res, l);
    SCOPED_TRACE(std::string(LoadName(l)));
    EXPECT_GT(p.sent, 0u);
    EXPECT_GT(p.lost, 0u);
    // The reflector's numbers place every loss but one after the session's last
    // answered packet (there when the stream stopped right after the upload).
    EXPECT_LE(p.lost - p.lost_one_way[kUp], l == Load::kUpload ? 1u : 0u);
    EXPECT_EQ(p.lost_one_way[kDown], 0u);
    EXPECT_NEAR(*p.loss_ratio, 0.1, 0.1);
    counted += p.sent;
  }
  // Idle lasts at least a second: 100 packets at 10 ms, less what a thread starved
  // by a busy host skips (it never bursts to catch up).
  EXPECT_GE(At(res, Load::kIdle).sent, 50u);
  // Packets sent during the warm-ups (2 x 200 ms) and the gaps between phases count
  // in no load. The reflector's script sees every packet sent (the dropped ones
  // too), so fewer are counted than it saw. (How many fewer depends on how much of
  // the warm-ups a thread starved by a busy host skips: it never bursts to catch up.)
  EXPECT_LT(counted, reflected.load());
  EXPECT_GE(res.transferred_bytes[kUp], 44u * counted);
  // The latency families are the STAMP stream's: one sample per answered packet.
  for (Load l : kAllLoads) {
    const LatencyResult& lat = res.latency[static_cast<size_t>(l)];
    EXPECT_EQ(lat.samples_seconds.size(), At(res, l).sent - At(res, l).lost) << LoadName(l);
    EXPECT_TRUE(lat.median_seconds && lat.jitter_seconds) << LoadName(l);
  }
}

TEST(SpeedtestStampTest, ADeadReflectorShowsAsLossNotAsAFailedSpeedtest) {
  testing::SpeedFixture fx;
  auto closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  const auto to = *net::SocketAddress::FromIp("127.0.0.1", closed.LocalPort());
  closed = net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value();
  config::SpeedtestConfig cfg = Config(fx.url(), to);
  cfg.upload.enabled = false;
  auto probe = NewSpeedtestProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const ProbeResult res = testutil::RunOnce(**probe, seconds(20)).result;
  ASSERT_TRUE(res.success) << res.error;
  EXPECT_EQ(At(res, Load::kIdle).loss_ratio, 1.0);
  EXPECT_EQ(At(res, Load::kDownload).loss_ratio, 1.0);
  EXPECT_EQ(At(res, Load::kUpload).sent, 0u);
  EXPECT_GT(res.transferred_bytes[kUp], 0u);  // STAMP packets went up all the same
  // The HTTP pings' idle latency stands: no STAMP RTT replaced it.
  const LatencyResult& idle = res.latency[static_cast<size_t>(Load::kIdle)];
  EXPECT_TRUE(idle.median_seconds.has_value());
  EXPECT_FALSE(idle.samples_seconds.empty());
}

TEST(SpeedtestStampTest, AFloodingReflectorEndsTheStreamAndTheRunSaysSo) {
  testing::SpeedFixture fx;
  ScriptedReflector r([](uint32_t) { return Act::kReply; });
  r.noise = [](const std::vector<uint8_t>& reply) {
    return std::vector<std::vector<uint8_t>>(20, reply);  // every reply 21 times
  };
  config::SpeedtestConfig cfg = Config(fx.url(), r.address());
  cfg.upload.enabled = false;
  auto probe = NewSpeedtestProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const ProbeResult res = testutil::RunOnce(**probe, seconds(20)).result;
  ASSERT_TRUE(res.success) << res.error;  // the transfers measured all the same
  EXPECT_NE(res.error.find("loaded_stamp " + r.address().ToString() +
                           ": the reflector sent more than 2 datagrams per packet"),
            std::string::npos)
      << res.error;
  // The stream ended at its first packet, in idle: no STAMP figures under load.
  EXPECT_EQ(At(res, Load::kDownload).sent, 0u);
}

TEST(SpeedtestStampTest, AnUnusableAddressFailsTheRunNamingTheKey) {
  testing::SpeedFixture fx;
  config::SpeedtestConfig cfg = Config(fx.url(), *net::SocketAddress::FromIp("127.0.0.1", 9));
  cfg.loaded_stamp->address = "reflector.invalid:862:1";
  auto probe = NewSpeedtestProbe(cfg);
  ASSERT_TRUE(probe.ok());
  const ProbeResult res = testutil::RunOnce(**probe, seconds(20)).result;
  EXPECT_FALSE(res.success);
  EXPECT_EQ(res.error.rfind("loaded_stamp.address: ", 0), 0u) << res.error;
}

}  // namespace
}  // namespace hermes::probe
