// Tests for common/host_port: the one "host:port" splitter.
#include "common/host_port.h"

#include <gtest/gtest.h>

namespace hermes {
namespace {

struct SplitCase {
  std::string_view in;
  std::string_view host;
  std::optional<std::string_view> port;
  bool bracketed;
};

TEST(SplitHostPortPartsTest, SplitsEveryAcceptedShape) {
  const SplitCase cases[] = {
      {"example.com:443", "example.com", "443", false},
      {"192.0.2.1:53", "192.0.2.1", "53", false},
      {"example.com", "example.com", std::nullopt, false},
      {"[2001:db8::1]:443", "2001:db8::1", "443", true},
      {"[::1]", "::1", std::nullopt, true},
      {"2001:db8::53", "2001:db8::53", std::nullopt, false},  // bare IPv6: never a port
      {":9516", "", "9516", false},
      {"host:", "host", "", false},
      {"", "", std::nullopt, false},
  };
  for (const SplitCase& c : cases) {
    Result<HostPortParts> r = SplitHostPortParts(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.status().message();
    EXPECT_EQ(r->host, c.host) << c.in;
    EXPECT_EQ(r->port, c.port) << c.in;
    EXPECT_EQ(r->bracketed, c.bracketed) << c.in;
  }
}

TEST(HostAloneTest, TakesANameOrAddressWithoutAPort) {
  EXPECT_EQ(HostAlone("nq-1.example.com"), "nq-1.example.com");
  EXPECT_EQ(HostAlone("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(HostAlone("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(HostAlone("[2001:db8::1]"), "2001:db8::1");
  for (const char* bad : {"", "rpm.example.net:8443", "192.0.2.1:443", "[2001:db8::1]:443",
                          "[rpm.example.net]", "a/b", "a b", "[::1", "1:2:3:x::"}) {
    EXPECT_FALSE(HostAlone(bad).has_value()) << bad;
  }
  EXPECT_FALSE(HostAlone(std::string(254, 'a')).has_value());
}

TEST(ParseListenAddressTest, TakesHostPortAndSaysWhatIsWrong) {
  auto all = ParseListenAddress(":10516", "listen address");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->host, "");
  EXPECT_EQ(all->port, 10516);
  auto v6 = ParseListenAddress("[::1]:862", "STAMP listen address", "ip");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(ParseListenAddress("::1:862", "STAMP listen address", "ip").status().message(),
            "STAMP listen address \"::1:862\": IPv6 addresses need brackets (want ip:port, "
            ":port or [ipv6]:port)");
  EXPECT_EQ(ParseListenAddress("localhost", "listen address").status().message(),
            "listen address \"localhost\": missing port (want host:port, :port or [ipv6]:port)");
  EXPECT_FALSE(ParseListenAddress("127.0.0.1:99999", "listen address").ok());
}

TEST(SplitHostPortPartsTest, RejectsBrokenBrackets) {
  Result<HostPortParts> unclosed = SplitHostPortParts("[::1:443");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.status().message(), "has an unclosed '['");
  Result<HostPortParts> junk = SplitHostPortParts("[::1]x443");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().message(), "is not [host]:port");
}

}  // namespace
}  // namespace hermes
