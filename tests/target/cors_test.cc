// CORS on hermes-target's speed-test routes (--web.cors.origin): what a browser page
// on another origin needs to run a speed test, with and without a bearer token.
#include <gtest/gtest.h>

#include "server/server_test_util.h"
#include "target/target.h"
#include "testing/testing.h"

namespace hermes::target {
namespace {

using server::test_util::Conn;
using server::test_util::Get;
using server::test_util::ReadResponse;

constexpr const char* kPage = "https://speed.example.net";

std::string Preflight(const std::string& path, const std::string& origin,
                      const std::string& method) {
  return "OPTIONS " + path + " HTTP/1.1\r\nHost: localhost\r\nOrigin: " + origin +
         "\r\nAccess-Control-Request-Method: " + method +
         "\r\nAccess-Control-Request-Headers: authorization\r\n\r\n";
}

class CorsTest : public ::testing::Test {
 protected:
  // A target with a bearer token and, unless `cors` is empty, --web.cors.origin.
  void StartTarget(const std::string& cors) {
    testing::WriteFile(dir_.File("token"), "s3cret\n");
    std::vector<std::string> args = {"--web.listen-address=127.0.0.1:0",
                                     "--web.bearer-token-file=" + dir_.File("token")};
    if (!cors.empty()) args.push_back("--web.cors.origin=" + cors);
    auto f = ParseFlags(args);
    ASSERT_TRUE(f.ok()) << f.status().message();
    auto t = Target::Create(*f, clock_);
    ASSERT_TRUE(t.ok()) << t.status().message();
    target_ = std::move(t).value();
    ASSERT_TRUE(target_->Start().ok());
  }
  uint16_t port() const { return target_->HttpPorts().at(0); }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<Target> target_;
};

TEST_F(CorsTest, PreflightIsAnsweredWithoutCredentialsForAnAllowedOrigin) {
  StartTarget(R"(https://speed\.example\.(net|org))");
  for (auto [path, method] : {std::pair{"/__down", "GET"}, std::pair{"/__up", "POST"}}) {
    Conn c(port());
    ASSERT_TRUE(c.Send(Preflight(path, kPage, method)));
    auto r = ReadResponse(c);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.headers["access-control-allow-origin"], kPage);
    EXPECT_EQ(r.headers["access-control-allow-methods"], method);
    EXPECT_EQ(r.headers["access-control-allow-headers"], "Authorization, Content-Type");
    EXPECT_EQ(r.headers["access-control-max-age"], "600");
    EXPECT_EQ(r.headers["vary"], "Origin");
    EXPECT_EQ(r.body, "");
  }
}

TEST_F(CorsTest, AnswersCarryOriginTimingAndServerTimingPermissions) {
  StartTarget(R"(https://speed\.example\.net)");
  Conn c(port());
  ASSERT_TRUE(c.Send(Get("/__down?bytes=1000&measId=7",
                         "Origin: https://speed.example.net\r\nAuthorization: Bearer s3cret\r\n")));
  auto down = ReadResponse(c);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.body_bytes, 1000u);
  EXPECT_EQ(down.headers["access-control-allow-origin"], kPage);
  EXPECT_EQ(down.headers["timing-allow-origin"], kPage);
  EXPECT_EQ(down.headers["access-control-expose-headers"], "Server-Timing");
  EXPECT_EQ(down.headers["vary"], "Origin");
  // The metric Cloudflare's engine subtracts from its latency.
  EXPECT_EQ(down.headers["server-timing"].rfind("cfRequestDuration;dur=", 0), 0u);
  ASSERT_TRUE(c.Send("POST /__up?bytes=5 HTTP/1.1\r\nHost: x\r\nOrigin: " + std::string(kPage) +
                     "\r\nAuthorization: Bearer s3cret\r\nContent-Type: text/plain\r\n"
                     "Content-Length: 5\r\n\r\n00000"));
  auto up = ReadResponse(c);
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.headers["access-control-allow-origin"], kPage);
  EXPECT_EQ(up.headers["timing-allow-origin"], kPage);
}

TEST_F(CorsTest, OtherOriginsGetNoPermissionAndOptionsOpensNothing) {
  StartTarget(R"(https://speed\.example\.net)");
  Conn c(port());
  // Fully anchored: a look-alike that merely contains the allowed origin is refused.
  for (const char* origin : {"https://evil.example", "https://speed.example.net.evil.example"}) {
    ASSERT_TRUE(c.Send(Preflight("/__down", origin, "GET")));
    auto pre = ReadResponse(c);
    EXPECT_EQ(pre.status, 403) << origin;
    EXPECT_EQ(pre.headers.count("access-control-allow-origin"), 0u);
    ASSERT_TRUE(c.Send(Get("/__down?bytes=10", "Origin: " + std::string(origin) +
                                                   "\r\nAuthorization: Bearer s3cret\r\n")));
    auto down = ReadResponse(c);
    EXPECT_EQ(down.status, 200);
    EXPECT_EQ(down.headers.count("access-control-allow-origin"), 0u);
    EXPECT_EQ(down.headers.count("timing-allow-origin"), 0u);
  }
  // OPTIONS needs no token, but the transfers still do.
  ASSERT_TRUE(c.Send(Get("/__down?bytes=10", "Origin: https://speed.example.net\r\n")));
  EXPECT_EQ(ReadResponse(c).status, 401);
}

TEST_F(CorsTest, AnOverlongOriginNeverMatches) {
  // The pattern would match it; no browser sends such an Origin (a host name has at
  // most 253 characters), and the regex engine never sees one.
  StartTarget(R"(https://.*\.example\.net)");
  Conn c(port());
  for (size_t host : {size_t{400}, size_t{7000}}) {
    const std::string origin = "https://" + std::string(host, 'a') + ".example.net";
    ASSERT_TRUE(c.Send(Preflight("/__down", origin, "GET")));
    auto pre = ReadResponse(c);
    EXPECT_EQ(pre.status, host < 500 ? 200 : 403) << host;
    EXPECT_EQ(pre.headers.count("access-control-allow-origin"), host < 500 ? 1u : 0u) << host;
  }
}

TEST_F(CorsTest, WithoutTheFlagThereIsNoCorsAtAll) {
  StartTarget("");
  Conn c(port());
  ASSERT_TRUE(c.Send(Preflight("/__down", kPage, "GET")));
  auto pre = ReadResponse(c);
  EXPECT_EQ(pre.status, 405);
  EXPECT_EQ(pre.headers.count("access-control-allow-origin"), 0u);
  ASSERT_TRUE(c.Send(Get("/__down?bytes=10", "Origin: " + std::string(kPage) +
                                                 "\r\nAuthorization: Bearer s3cret\r\n")));
  auto down = ReadResponse(c);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.headers.count("access-control-allow-origin"), 0u);
}

}  // namespace
}  // namespace hermes::target
