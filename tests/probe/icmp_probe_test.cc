#include "probe/icmp_probe.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "net/icmp.h"
#include "probe/probe_test_util.h"
#include "testing/probe_config.h"

namespace hermes::probe {
namespace {

using std::chrono::seconds;

using testutil::FakeResolver;

struct Env {
  Env() {
    cfg.host = "127.0.0.1";
    cfg.samples = 5;
  }
  ProbeResult Run(Probe& p, Duration timeout) {
    ProbeContext ctx{named, global, clock, clock.SteadyNow() + timeout, cancelled};
    return p.Run(ctx);
  }
  config::Config global;
  config::ProbeConfig named{.name = "i"};
  config::IcmpConfig cfg;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
};

// The capabilities of this process, or a skip when it can send no ICMP at all.
#define REQUIRE_ICMP(caps)                                          \
  const net::IcmpCapabilities caps = net::DetectIcmpCapabilities(); \
  if (!net::ChooseIcmpSocket(caps).ok()) GTEST_SKIP() << "no ping or raw sockets here"

TEST(IcmpPacketTest, ChecksumMatchesRfc1071Example) {
  const std::vector<uint8_t> bytes = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(net::InternetChecksum(bytes), 0x220d);
  EXPECT_EQ(net::InternetChecksum(std::vector<uint8_t>{0x01}), static_cast<uint16_t>(~0x0100));
}

TEST(IcmpPacketTest, BuildsEchoRequestAndParsesTheMatchingReply) {
  std::vector<uint8_t> pkt = net::BuildEchoRequest(AF_INET, 0xBEEF, 7);
  ASSERT_EQ(pkt.size(), net::kEchoMessageBytes);
  EXPECT_EQ(pkt[0], 8);
  EXPECT_EQ(net::InternetChecksum(pkt), 0);                // checksum field is valid
  EXPECT_FALSE(net::ParseEchoReply(AF_INET, pkt, false));  // a request is not a reply

  // Turn it into the reply a host would send: type 0, checksum recomputed.
  pkt[0] = 0;
  pkt[2] = pkt[3] = 0;
  const uint16_t sum = net::InternetChecksum(pkt);
  pkt[2] = static_cast<uint8_t>(sum >> 8);
  pkt[3] = static_cast<uint8_t>(sum);
  auto reply = net::ParseEchoReply(AF_INET, pkt, false);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 0xBEEF);
  EXPECT_EQ(reply->seq, 7);

  // Raw IPv4 sockets deliver the IP header first; IHL says how long it is.
  std::vector<uint8_t> with_ip(20, 0);
  with_ip[0] = 0x45;
  with_ip.insert(with_ip.end(), pkt.begin(), pkt.end());
  EXPECT_TRUE(net::ParseEchoReply(AF_INET, with_ip, true));

  pkt[10] ^= 0xFF;  // corrupt the payload
  EXPECT_FALSE(net::ParseEchoReply(AF_INET, pkt, false));
  EXPECT_FALSE(net::ParseEchoReply(AF_INET, std::vector<uint8_t>(4, 0), false));
}

TEST(IcmpPacketTest, Icmpv6UsesTypes128And129) {
  std::vector<uint8_t> pkt = net::BuildEchoRequest(AF_INET6, 1, 2);
  EXPECT_EQ(pkt[0], 128);
  pkt[0] = 129;  // ICMPv6 checksums are the kernel's; the parser does not check them
  auto reply = net::ParseEchoReply(AF_INET6, pkt, false);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->seq, 2);
}

TEST(IcmpPermissionTest, PrefersPingSocketsThenRawSockets) {
  EXPECT_EQ(*net::ChooseIcmpSocket({true, true, 0, "0 0"}), net::IcmpSocketKind::kPing);
  EXPECT_EQ(*net::ChooseIcmpSocket({false, true, 0, "1 0"}), net::IcmpSocketKind::kRaw);
}

TEST(IcmpPermissionTest, FactoryFailsWithClearErrorWhenNeitherSocketKindWorks) {
  config::IcmpConfig cfg;
  cfg.host = "192.0.2.1";
  auto p = NewIcmpProbe(cfg, net::IcmpCapabilities{false, false, 65534, "1 0"},
                        std::make_unique<FakeResolver>());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(p.status().message(),
            "icmp probes need ping sockets (sysctl net.ipv4.ping_group_range must include gid "
            "65534, currently \"1 0\") or CAP_NET_RAW");
}

TEST(IcmpProbeTest, PingsLoopbackAndCountsEveryReply) {
  REQUIRE_ICMP(caps);
  Env env;
  auto p = NewIcmpProbe(env.cfg, caps, net::NewSystemResolver());
  ASSERT_TRUE(p.ok()) << p.status().message();
  ProbeResult r = env.Run(**p, seconds(5));
  ASSERT_NO_FATAL_FAILURE(testutil::ExpectAllAnswered(r, 5));
  EXPECT_EQ(r.transferred_bytes[static_cast<size_t>(Direction::kUpload)],
            5 * net::kEchoMessageBytes);
  EXPECT_EQ(r.transferred_bytes[static_cast<size_t>(Direction::kDownload)],
            5 * net::kEchoMessageBytes);
  testutil::ExpectFillsExactlyItsLayout(
      r, IcmpLayout(hermes::testing::MakeProbeConfig("i", "icmp", env.cfg)));
}

TEST(IcmpProbeTest, PingsIpv6Loopback) {
  REQUIRE_ICMP(caps);
  if (!net::IcmpSocket::Open(*net::ChooseIcmpSocket(caps), AF_INET6, {}).ok()) {
    GTEST_SKIP() << "no ICMPv6 socket";
  }
  Env env;
  env.cfg.host = "::1";
  env.cfg.samples = 3;
  auto p = NewIcmpProbe(env.cfg, caps, net::NewSystemResolver());
  ASSERT_TRUE(p.ok());
  ProbeResult r = env.Run(**p, seconds(5));
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_EQ(testutil::IdlePackets(r).lost, 0u);
}

TEST(IcmpProbeTest, PingSocketPathWhenTheKernelAllowsIt) {
  if (!net::IcmpSocket::Open(net::IcmpSocketKind::kPing, AF_INET, {}).ok()) {
    GTEST_SKIP() << "ping sockets not allowed for this gid (net.ipv4.ping_group_range)";
  }
  Env env;
  auto p = NewIcmpProbe(env.cfg, {true, false, 0, ""}, net::NewSystemResolver());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(env.Run(**p, seconds(5)).success);
}

TEST(IcmpProbeTest, UnresolvableHostFailsWithDnsReason) {
  Env env;
  env.cfg.host = "nonexistent.invalid";
  auto p = NewIcmpProbe(env.cfg, {false, true, 0, ""},
                        std::make_unique<FakeResolver>(Status::NotFound("no such name")));
  ASSERT_TRUE(p.ok());
  ProbeResult r = env.Run(**p, seconds(5));
  EXPECT_EQ(r.reason, FailureReason::kDns);
  EXPECT_EQ(testutil::IdlePackets(r).sent, 0u);
}

TEST(IcmpProbeTest, CancelledRunSendsNothing) {
  REQUIRE_ICMP(caps);
  Env env;
  env.cancelled = true;
  auto p = NewIcmpProbe(env.cfg, caps, std::make_unique<FakeResolver>());
  ASSERT_TRUE(p.ok());
  ProbeResult r = env.Run(**p, seconds(5));
  EXPECT_EQ(r.reason, FailureReason::kTimeout);
  EXPECT_EQ(r.error, "cancelled");
  EXPECT_EQ(testutil::IdlePackets(r).sent, 0u);
}

}  // namespace
}  // namespace hermes::probe
