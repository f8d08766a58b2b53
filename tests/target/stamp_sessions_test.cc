#include "target/stamp_sessions.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace hermes::target {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

net::SocketAddress Addr(const std::string& ip, uint16_t port) {
  return *net::SocketAddress::FromIp(ip, port);
}

struct Env {
  explicit Env(StampLimits l) : s(l) {}
  // The reply sequence, or -1 when dropped; `verdict` gets the decision.
  int64_t Admit(const net::SocketAddress& a, uint16_t ssid, uint32_t seq,
                StampVerdict* verdict = nullptr) {
    uint32_t out = 0;
    const StampVerdict v = s.Admit(a, ssid, seq, now, &out);
    if (verdict) *verdict = v;
    return v == StampVerdict::kReflect ? static_cast<int64_t>(out) : -1;
  }
  StampSessions s;
  SteadyTime now = SteadyTime(seconds(1000));
};

TEST(StampSessionsTest, StatefulSessionsCountTheirOwnReflectedPackets) {
  Env e({});
  const auto a = Addr("192.0.2.1", 5000), b = Addr("192.0.2.1", 5001);
  EXPECT_EQ(e.Admit(a, 0, 7), 0);
  EXPECT_EQ(e.Admit(a, 0, 9), 1);  // the sender's 8 never arrived: forward loss shows
  EXPECT_EQ(e.Admit(b, 0, 0), 0);  // another port is another session
  EXPECT_EQ(e.Admit(a, 0, 10), 2);
  EXPECT_EQ(e.Admit(a, 42, 0), 0);  // and so is another SSID (RFC 8972 section 3)
  EXPECT_EQ(e.s.sessions(), 3u);
  EXPECT_EQ(e.s.clients(), 1u);
}

TEST(StampSessionsTest, StatelessEchoesTheSenderSequenceAndKeepsNoSessions) {
  StampLimits l;
  l.stateless = true;
  Env e(l);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 5000), 0, 7), 7);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 5000), 0, 9), 9);
  EXPECT_EQ(e.s.sessions(), 0u);
}

TEST(StampSessionsTest, EachClientAddressIsRateLimitedWithOneSecondOfBurst) {
  StampLimits l;
  l.packets_per_second = 10;
  Env e(l);
  const auto a = Addr("192.0.2.1", 5000);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(e.Admit(a, 0, i), i);
  StampVerdict v{};
  EXPECT_EQ(e.Admit(a, 0, 10, &v), -1);
  EXPECT_EQ(v, StampVerdict::kRateLimited);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 6000), 0, 0), -1);  // per address, not per port
  EXPECT_EQ(e.Admit(Addr("192.0.2.2", 5000), 0, 0), 0);   // other addresses are not affected
  e.now += milliseconds(100);                             // one token back
  EXPECT_EQ(e.Admit(a, 0, 11), 10);                       // dropped packets took no sequence number
  EXPECT_EQ(e.Admit(a, 0, 12), -1);
}

TEST(StampSessionsTest, TableOfClientsIsBoundedUntilIdleOnesExpire) {
  StampLimits l;
  l.max_clients = 3;
  l.idle_timeout = seconds(10);
  Env e(l);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(e.Admit(Addr("192.0.2." + std::to_string(i), 1), 0, 0), 0);
  StampVerdict v{};
  EXPECT_EQ(e.Admit(Addr("192.0.2.4", 1), 0, 0, &v), -1);
  EXPECT_EQ(v, StampVerdict::kTooManyClients);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 1), 0, 1), 1);  // known clients still answered
  e.now += seconds(10);
  EXPECT_EQ(e.Admit(Addr("192.0.2.4", 1), 0, 0), 0);  // the idle ones were swept
  EXPECT_EQ(e.s.clients(), 1u);
  EXPECT_EQ(e.s.sessions(), 1u);  // and their sessions with them
}

TEST(StampSessionsTest, AClientEvictsOnlyItsOwnLeastRecentlyUsedSession) {
  StampLimits l;
  l.max_sessions_per_client = 4;
  Env e(l);
  const auto other = Addr("198.51.100.7", 9);
  EXPECT_EQ(e.Admit(other, 0, 0), 0);
  for (uint16_t port = 1; port <= 4; ++port) {
    EXPECT_EQ(e.Admit(Addr("192.0.2.1", port), 0, 0), 0);
    e.now += milliseconds(10);
  }
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 1), 0, 1), 1);  // port 1 is now the most recent
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 5), 0, 0), 0);  // evicts port 2
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 1), 0, 2), 2);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 2), 0, 1), 0);  // port 2 starts over
  EXPECT_EQ(e.Admit(other, 0, 1), 1);                 // untouched
  EXPECT_EQ(e.s.sessions(), 5u);
}

TEST(StampSessionsTest, IdleSessionsStartOverAtZero) {
  StampLimits l;
  l.idle_timeout = seconds(5);
  Env e(l);
  const auto a = Addr("2001:db8::1", 7);
  EXPECT_EQ(e.Admit(a, 1, 0), 0);
  EXPECT_EQ(e.Admit(a, 1, 1), 1);
  e.now += seconds(5);
  EXPECT_EQ(e.Admit(a, 1, 2), 0);
}

TEST(StampSessionsTest, HostileSenderCannotGrowStateBeyondTheBounds) {
  StampLimits l;
  l.max_clients = 100;
  l.max_sessions_per_client = 8;
  l.packets_per_second = 1'000'000'000;
  Env e(l);
  // Every port and SSID from one address, then many addresses, without pause.
  for (uint32_t i = 0; i < 200000; ++i) {
    (void)e.Admit(Addr("192.0.2.1", static_cast<uint16_t>(i)), static_cast<uint16_t>(i >> 3), i);
  }
  for (uint32_t i = 0; i < 50000; ++i) {
    const std::string ip = "10." + std::to_string(i >> 16 & 255) + "." +
                           std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
    (void)e.Admit(Addr(ip, 1), 0, i);
  }
  EXPECT_EQ(e.s.clients(), 100u);
  EXPECT_LE(e.s.sessions(), 100u * 8);
}

TEST(StampSessionsTest, Ipv4AndItsMappedIpv6FormAreOneClient) {
  StampLimits l;
  l.packets_per_second = 1;
  Env e(l);
  EXPECT_EQ(e.Admit(Addr("192.0.2.1", 1), 0, 0), 0);
  EXPECT_EQ(e.Admit(Addr("::ffff:192.0.2.1", 2), 0, 0), -1);
  // Other IPv4 addresses stay clients of their own (mapped ones are not cut to a /64).
  EXPECT_EQ(e.Admit(Addr("::ffff:192.0.2.2", 2), 0, 0), 0);
}

TEST(StampSessionsTest, AnIpv6HostIsOneClientWhateverAddressOfItsSlash64ItUses) {
  StampLimits l;
  l.packets_per_second = 1;
  l.max_clients = 2;
  Env e(l);
  EXPECT_EQ(e.Admit(Addr("2001:db8:0:1::1", 1), 0, 0), 0);
  // The same /64 shares the token bucket and the one table entry...
  for (int i = 2; i < 100; ++i) {
    const std::string ip = "2001:db8:0:1:" + std::to_string(i) + "::" + std::to_string(i);
    EXPECT_EQ(e.Admit(Addr(ip, 1), 0, 0), -1) << ip;
  }
  EXPECT_EQ(e.s.clients(), 1u);
  // ...so the table still has room for another host.
  EXPECT_EQ(e.Admit(Addr("2001:db8:0:2::1", 1), 0, 0), 0);
  EXPECT_EQ(e.s.clients(), 2u);
}

}  // namespace
}  // namespace hermes::target
