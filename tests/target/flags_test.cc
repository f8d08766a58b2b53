#include "target/flags.h"

#include <gtest/gtest.h>

namespace hermes::target {
namespace {

TEST(TargetFlagsTest, DefaultsMatchTheReadme) {
  auto f = ParseFlags({});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->listen_addresses, std::vector<std::string>{":10517"});
  EXPECT_EQ(f->max_connections, 256);
  EXPECT_EQ(f->max_connections_per_ip, 64);
  EXPECT_EQ(f->max_bytes_per_request, 1ull << 30);
  EXPECT_EQ(f->faults.response_delay.count(), 0);
  EXPECT_FALSE(f->faults.reset_after_bytes.has_value());
  EXPECT_EQ(f->stamp.listen_address, "");  // the STAMP reflector is off
  EXPECT_FALSE(f->stamp.limits.stateless);
  EXPECT_EQ(f->stamp.limits.packets_per_second, 1000);
  EXPECT_EQ(f->stamp.limits.max_clients, 1024);
}

TEST(TargetFlagsTest, TestEndpointIsAHostWithoutAPort) {
  auto f = ParseFlags({"--rpm.test-endpoint=2001:db8::1"});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->rpm.test_endpoint, "[2001:db8::1]");
  auto named = ParseFlags({"--rpm.test-endpoint=rpm2.example.net"});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->rpm.test_endpoint, "rpm2.example.net");
  auto port = ParseFlags({"--rpm.test-endpoint=rpm2.example.net:8443"});
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("without a port"), std::string::npos);
}

TEST(TargetFlagsTest, ParsesStampFlags) {
  auto f = ParseFlags({"--stamp.listen-address=:862", "--stamp.stateless", "--stamp.max-rate=50",
                       "--stamp.max-clients", "10"});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->stamp.listen_address, ":862");
  EXPECT_TRUE(f->stamp.limits.stateless);
  EXPECT_EQ(f->stamp.limits.packets_per_second, 50);
  EXPECT_EQ(f->stamp.limits.max_clients, 10);
  EXPECT_FALSE(ParseFlags({"--stamp.max-rate=0"}).ok());
  EXPECT_FALSE(ParseFlags({"--stamp.max-clients=-1"}).ok());
}

TEST(TargetFlagsTest, ParsesSizesAndTestFaults) {
  auto f = ParseFlags({"--web.listen-address=127.0.0.1:0", "--web.listen-address", "[::1]:0",
                       "--max-bytes-per-request", "64GiB", "--test.response-delay=20ms",
                       "--test.reset-after-bytes=1MiB", "--test.status=503", "--test.retry-after=7",
                       "--test.stall", "--test.short-body"});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->listen_addresses, (std::vector<std::string>{"127.0.0.1:0", "[::1]:0"}));
  EXPECT_EQ(f->max_bytes_per_request, 64ull << 30);
  EXPECT_EQ(f->faults.response_delay, std::chrono::milliseconds(20));
  EXPECT_EQ(f->faults.reset_after_bytes, std::optional<uint64_t>(1 << 20));
  EXPECT_EQ(f->faults.status, 503);
  EXPECT_EQ(f->faults.retry_after_seconds, 7);
  EXPECT_TRUE(f->faults.stall);
  EXPECT_TRUE(f->faults.short_body);
}

TEST(TargetFlagsTest, RejectsBadSizesNamingTheFlag) {
  auto zero = ParseFlags({"--max-bytes-per-request=0"});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(),
            "--max-bytes-per-request: must be a size like 1GiB, got \"0\"");
  auto junk = ParseFlags({"--test.reset-after-bytes=lots"});
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().message().rfind("--test.reset-after-bytes: ", 0), 0u)
      << junk.status().message();
}

TEST(TargetFlagsTest, CorsOriginIsARegularExpression) {
  EXPECT_EQ(ParseFlags({})->cors_origin, "");
  auto ok = ParseFlags({R"(--web.cors.origin=https://(www\.)?example\.net)"});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->cors_origin, R"(https://(www\.)?example\.net)");
  auto bad = ParseFlags({"--web.cors.origin=https://(example"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind(
                "--web.cors.origin: \"https://(example\" is not a valid regular expression: ", 0),
            0u)
      << bad.status().message();
}

TEST(TargetFlagsTest, RejectsUnknownFlagsAndBadNumbers) {
  EXPECT_FALSE(ParseFlags({"--config.file=x"}).ok());
  EXPECT_FALSE(ParseFlags({"--test.status=600"}).ok());
  EXPECT_FALSE(ParseFlags({"--web.max-connections=0"}).ok());
  EXPECT_FALSE(ParseFlags({"--test.response-delay=0s"}).ok());
}

TEST(TargetFlagsTest, UsageListsEveryFlag) {
  std::string usage = FlagsUsage("hermes-target");
  for (const char* name :
       {"--web.listen-address", "--web.config.file", "--web.bearer-token-file",
        "--max-bytes-per-request", "--web.cors.origin", "--test.response-delay", "--log.format",
        "--stamp.listen-address", "--stamp.stateless", "--stamp.max-rate", "--stamp.max-clients"}) {
    EXPECT_NE(usage.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace hermes::target
