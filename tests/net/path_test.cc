#include "net/path.h"

#include <gtest/gtest.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/socket.h"

namespace hermes::net {
namespace {

SocketAddress Ip(const char* ip) { return *SocketAddress::FromIp(ip, 443); }

std::string Chosen(const std::vector<SocketAddress>& addrs, const PathOptions& path) {
  auto a = ChooseAddress(addrs, path, "host.test");
  return a.ok() ? a->IpString() : a.status().message();
}

TEST(PathTest, UnspecifiedAddressesAreTheOnesThatReachThisHost) {
  for (const char* ip : {"0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0"}) {
    EXPECT_TRUE(IsUnspecified(Ip(ip))) << ip;
  }
  for (const char* ip : {"127.0.0.1", "1.0.0.0", "::1", "::ffff:127.0.0.1", "2001:db8::"}) {
    EXPECT_FALSE(IsUnspecified(Ip(ip))) << ip;
  }
}

TEST(PathTest, ResolverOrderWithoutPreference) {
  const std::vector<SocketAddress> dual = {Ip("2001:db8::1"), Ip("192.0.2.1")};
  EXPECT_EQ(Chosen(dual, {}), "2001:db8::1");
}

TEST(PathTest, PreferredFamilyFirstThenFallback) {
  const std::vector<SocketAddress> dual = {Ip("2001:db8::1"), Ip("192.0.2.1")};
  const std::vector<SocketAddress> v6only = {Ip("2001:db8::1")};
  PathOptions ip4;
  ip4.preferred_family = AF_INET;
  EXPECT_EQ(Chosen(dual, ip4), "192.0.2.1");
  EXPECT_EQ(Chosen(v6only, ip4), "2001:db8::1");  // fallback
  ip4.fallback = false;
  EXPECT_EQ(Chosen(v6only, ip4), "host.test has no IPv4 address (ip_protocol_fallback is false)");
  EXPECT_EQ(ChooseAddress(v6only, ip4, "host.test").status().code(), StatusCode::kNotFound);
}

TEST(PathTest, SourceAddressKeepsToItsFamily) {
  PathOptions from_v4;
  from_v4.source = SocketAddress::FromIp("192.0.2.7", 0);
  EXPECT_EQ(Chosen({Ip("2001:db8::1"), Ip("192.0.2.1")}, from_v4), "192.0.2.1");
  EXPECT_EQ(Chosen({Ip("2001:db8::1")}, from_v4),
            "host.test has no IPv4 address (source_ip_address 192.0.2.7 is IPv4)");
}

TEST(PathTest, UnspecifiedAddressesAreNeverChosen) {
  EXPECT_EQ(Chosen({Ip("0.0.0.0"), Ip("192.0.2.1")}, {}), "192.0.2.1");
  for (const char* ip : {"0.0.0.0", "::"}) {
    auto a = ChooseAddress({Ip(ip)}, {}, "blocked.test");
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(a.status().message(), "refusing to connect to " + std::string(ip) +
                                        " (blocked.test): an unspecified address reaches this "
                                        "host itself");
  }
}

TEST(PathTest, BindToPathBindsTheSourceAddress) {
  PathOptions path;
  path.source = SocketAddress::FromIp("127.0.0.1", 0);
  UniqueFd fd(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(BindToPath(fd.get(), path).ok());
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ASSERT_EQ(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len), 0);
  EXPECT_EQ(SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).IpString(),
            "127.0.0.1");
  UniqueFd v6(socket(AF_INET6, SOCK_STREAM, 0));
  EXPECT_EQ(BindToPath(v6.get(), path).message(),
            "an IPv6 socket cannot use source address 127.0.0.1");
}

TEST(PathTest, BindToPathBindsTheInterface) {
  if (geteuid() != 0) GTEST_SKIP() << "SO_BINDTODEVICE may need CAP_NET_RAW";
  PathOptions path;
  path.interface = "lo";
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_TRUE(BindToPath(fd.get(), path).ok());
  char dev[IFNAMSIZ] = {};
  socklen_t len = sizeof(dev);
  ASSERT_EQ(getsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, dev, &len), 0);
  EXPECT_STREQ(dev, "lo");
}

TEST(PathTest, CheckPathNamesTheKeyThisHostCannotUse) {
  PathOptions ok;
  ok.source = SocketAddress::FromIp("127.0.0.1", 0);
  EXPECT_TRUE(CheckPath(ok).ok());
  PathOptions foreign;
  foreign.source = SocketAddress::FromIp("192.0.2.77", 0);
  EXPECT_EQ(CheckPath(foreign).message(),
            "source_ip_address: cannot bind 192.0.2.77: Cannot assign requested address; it is "
            "not an address of this host");
  EXPECT_EQ(CheckPath(foreign).code(), StatusCode::kInvalidArgument);
  PathOptions missing;
  missing.interface = "hermes-nope0";
  EXPECT_EQ(CheckPath(missing).message(),
            "interface: hermes-nope0 is not a network interface of this host (ip link lists them)");
}

}  // namespace
}  // namespace hermes::net
