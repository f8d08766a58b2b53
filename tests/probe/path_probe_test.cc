// The path keys every kind honours (source_ip_address, interface, family), and the
// targets no kind may reach: unspecified addresses, which connect to this host's
// own listeners. All on loopback: 127.0.0.0/8 is this host's, so a source address
// like 127.0.0.7 is observable at the server.
#include <gtest/gtest.h>

#include "config/http_config.h"
#include "config/icmp_config.h"
#include "config/speedtest_config.h"
#include "config/tcp_config.h"
#include "probe/curl_probe_test_util.h"
#include "probe/kind.h"
#include "testing/librespeed_fixture.h"
#include "testing/probe_config.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::LibreSpeedFixture;
using testing::MakeProbeConfig;

std::string Port(const std::string& url) { return url.substr(url.rfind(':') + 1); }

ProbeResult RunVia(const config::ProbeConfig& cfg, Duration timeout = seconds(10)) {
  EXPECT_TRUE(net::CurlGlobalInit().ok());
  auto probe = CreateProbe(cfg);
  EXPECT_TRUE(probe.ok()) << probe.status().message();
  if (!probe.ok()) return {};
  const config::Config global;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  const ProbeContext ctx{cfg, global, clock, clock.SteadyNow() + timeout, cancelled};
  return (*probe)->Run(ctx);
}

config::ProbeConfig Tcp(const std::string& address) {
  config::TcpConfig tcp;
  tcp.address = address;
  tcp.samples = 2;
  return MakeProbeConfig("t", "tcp", tcp);
}

config::ProbeConfig Http(const std::string& url) {
  config::HttpConfig http;
  http.target.url = url;
  return MakeProbeConfig("h", "http", http);
}

config::ProbeConfig LibreSpeed(const std::string& url) {
  config::SpeedtestConfig s;
  s.api = "librespeed";
  s.target.url = url;
  s.latency.samples = 2;
  s.download = {true, 2, milliseconds(400), milliseconds(100), 4 * config::kLibreSpeedChunkBytes};
  s.upload = {true, 2, milliseconds(400), milliseconds(100), 4 * config::kLibreSpeedChunkBytes};
  return MakeProbeConfig("s", "speedtest", s);
}

config::ProbeConfig Icmp(const std::string& host) {
  config::IcmpConfig icmp;
  icmp.host = host;
  icmp.samples = 2;
  return MakeProbeConfig("i", "icmp", icmp);
}

void ExpectRefusedAsConnect(const ProbeResult& r, const std::string& ip) {
  EXPECT_FALSE(r.success);
  ASSERT_TRUE(r.reason.has_value()) << r.error;
  EXPECT_EQ(FailureReasonName(*r.reason), "connect") << r.error;
  EXPECT_NE(r.error.find(" " + ip), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("an unspecified address reaches this host itself"), std::string::npos)
      << r.error;
}

// Linux connects 0.0.0.0 to this host: a name that resolves there (a DNS block
// list's answer) must not reach a local listener.
TEST(PathProbeTest, UnspecifiedTargetIsRefusedByEveryKind) {
  LibreSpeedFixture fx(LibreSpeedFixture::Backend::kGo);  // listens on 127.0.0.1
  const std::string port = Port(fx.url());
  ExpectRefusedAsConnect(RunVia(Tcp("0.0.0.0:" + port)), "0.0.0.0");
  ExpectRefusedAsConnect(RunVia(Http("http://0.0.0.0:" + port + "/empty")), "0.0.0.0");
  ExpectRefusedAsConnect(RunVia(LibreSpeed("http://0.0.0.0:" + port)), "0.0.0.0");
  ExpectRefusedAsConnect(RunVia(Http("http://[::]:" + port + "/empty")), "::");
  ExpectRefusedAsConnect(RunVia(Icmp("0.0.0.0")), "0.0.0.0");
  EXPECT_TRUE(fx.peers().empty());
}

TEST(PathProbeTest, EveryConnectionLeavesFromTheSourceAddress) {
  LibreSpeedFixture fx(LibreSpeedFixture::Backend::kGo);
  auto tcp = Tcp("127.0.0.1:" + Port(fx.url()));
  tcp.path.source_ip_address = "127.0.0.7";
  ASSERT_TRUE(RunVia(tcp).success);
  auto http = Http(fx.url() + "/empty");
  http.path.source_ip_address = "127.0.0.7";
  ASSERT_TRUE(RunVia(http).success);
  auto speed = LibreSpeed(fx.url());
  speed.path.source_ip_address = "127.0.0.7";
  const ProbeResult r = RunVia(speed);
  ASSERT_TRUE(r.success) << r.error;
  // 2 connects, 1 request, and every connection of the speedtest: the idle one, the
  // streams and the loaded pingers.
  const auto peers = fx.peers();
  EXPECT_GE(peers.size(), 2u + 1u + 1u + 2u + 2u);
  for (const std::string& p : peers) EXPECT_EQ(p, "127.0.0.7");
}

TEST(PathProbeTest, FamilyKeysDecideWhichAddressIsUsed) {
  LibreSpeedFixture fx(LibreSpeedFixture::Backend::kGo);  // IPv4 only
  // "localhost" resolves to 127.0.0.1 and ::1 here; keeping to IPv6 finds no
  // listener, preferring IPv4 finds it.
  auto ip6 = Http("http://localhost:" + Port(fx.url()) + "/empty");
  ip6.path.preferred_ip_protocol = "ip6";
  ip6.path.ip_protocol_fallback = false;
  const ProbeResult r6 = RunVia(ip6);
  EXPECT_FALSE(r6.success);
  ASSERT_TRUE(r6.reason.has_value());
  EXPECT_EQ(FailureReasonName(*r6.reason), "connect") << r6.error;
  auto ip4 = ip6;
  ip4.path.preferred_ip_protocol = "ip4";
  EXPECT_TRUE(RunVia(ip4).success);
  // A literal of the other family with fallback off: no address to use.
  auto literal = Tcp("127.0.0.1:" + Port(fx.url()));
  literal.path.preferred_ip_protocol = "ip6";
  literal.path.ip_protocol_fallback = false;
  const ProbeResult rl = RunVia(literal);
  ASSERT_TRUE(rl.reason.has_value());
  EXPECT_EQ(FailureReasonName(*rl.reason), "dns") << rl.error;
  EXPECT_EQ(rl.error, "127.0.0.1 has no IPv6 address (ip_protocol_fallback is false)");
}

// The check --config.check and every start or reload make, for every kind.
TEST(PathProbeTest, AnAddressOrInterfaceThisHostLacksIsAConfigError) {
  for (auto cfg : {Tcp("127.0.0.1:9"), Http("http://127.0.0.1:9/"), Icmp("127.0.0.1"),
                   LibreSpeed("http://127.0.0.1:9")}) {
    cfg.path.source_ip_address = "192.0.2.77";
    auto probe = CreateProbe(cfg);
    ASSERT_FALSE(probe.ok());
    EXPECT_EQ(probe.status().message(),
              "source_ip_address: cannot bind 192.0.2.77: Cannot assign requested address; it "
              "is not an address of this host");
    cfg.path = {};
    cfg.path.interface = "hermes-nope0";
    EXPECT_EQ(CreateProbe(cfg).status().message(),
              "interface: hermes-nope0 is not a network interface of this host (ip link lists "
              "them)");
  }
}

}  // namespace
}  // namespace hermes::probe
