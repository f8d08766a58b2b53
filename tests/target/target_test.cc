#include "target/target.h"

#include <gtest/gtest.h>

#include "probe/stamp_session.h"
#include "server/server_test_util.h"
#include "testing/testing.h"

namespace hermes::target {
namespace {

using server::test_util::Conn;
using server::test_util::Get;
using server::test_util::ReadResponse;

Flags LoopbackFlags() {
  auto f = ParseFlags({"--web.listen-address=127.0.0.1:0", "--max-bytes-per-request=1MiB"});
  EXPECT_TRUE(f.ok());
  return f.value();
}

TEST(TargetTest, ServesDownloadAndUploadOnTheBoundPort) {
  SystemClock clock;
  auto t = Target::Create(LoopbackFlags(), clock);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t.value()->Start().ok());
  const uint16_t port = t.value()->HttpPorts().at(0);

  Conn c(port);
  ASSERT_TRUE(c.Send(Get("/__down?bytes=100000")));
  auto down = ReadResponse(c);
  EXPECT_EQ(down.status, 200);
  EXPECT_EQ(down.body_bytes, 100000u);
  EXPECT_EQ(down.headers["server-timing"].rfind("cfRequestDuration;dur=", 0), 0u);

  ASSERT_TRUE(c.Send("POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  auto up = ReadResponse(c);
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.body, "5\n");

  ASSERT_TRUE(c.Send(Get("/__down?bytes=2000000")));  // over --max-bytes-per-request
  EXPECT_EQ(ReadResponse(c).status, 400);
  t.value()->Stop();
  t.value()->Stop();  // idempotent
}

TEST(TargetTest, BearerTokenGuardsTheTransferRoutesOnly) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "s3cret\n");
  Flags f = LoopbackFlags();
  f.bearer_token_files = {dir.File("token")};
  SystemClock clock;
  auto t = Target::Create(f, clock);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t.value()->Start().ok());
  Conn c(t.value()->HttpPorts().at(0));
  ASSERT_TRUE(c.Send(Get("/__down?bytes=1")));
  EXPECT_EQ(ReadResponse(c).status, 401);
  ASSERT_TRUE(c.Send(Get("/__down?bytes=1", "Authorization: Bearer s3cret\r\n")));
  EXPECT_EQ(ReadResponse(c).status, 200);
  ASSERT_TRUE(c.Send(Get("/-/healthy")));
  EXPECT_EQ(ReadResponse(c).status, 200);
}

TEST(TargetTest, CreateFailsOnAMissingTokenFileNamingIt) {
  Flags f = LoopbackFlags();
  f.bearer_token_files = {"/nonexistent/hermes-token"};
  SystemClock clock;
  auto t = Target::Create(f, clock);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("/nonexistent/hermes-token"), std::string::npos)
      << t.status().message();
}

TEST(TargetTest, StartFailsWhenThePortIsTaken) {
  SystemClock clock;
  auto first = Target::Create(LoopbackFlags(), clock);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first.value()->Start().ok());
  Flags f = LoopbackFlags();
  f.listen_addresses = {"127.0.0.1:" + std::to_string(first.value()->HttpPorts().at(0))};
  auto second = Target::Create(f, clock);
  ASSERT_TRUE(second.ok());
  Status st = second.value()->Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
}

TEST(TargetTest, TestFaultsReachTheRoutes) {
  Flags f = LoopbackFlags();
  f.faults.status = 503;
  f.faults.retry_after_seconds = 9;
  SystemClock clock;
  auto t = Target::Create(f, clock);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t.value()->Start().ok());
  Conn c(t.value()->HttpPorts().at(0));
  ASSERT_TRUE(c.Send(Get("/__down?bytes=10")));
  auto r = ReadResponse(c);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "9");
}

TEST(TargetTest, ReflectsStampOnlyWhenAsked) {
  SystemClock clock;
  auto off = Target::Create(LoopbackFlags(), clock);
  ASSERT_TRUE(off.ok());
  ASSERT_TRUE(off.value()->Start().ok());
  EXPECT_EQ(off.value()->StampPort(), 0);

  Flags f = LoopbackFlags();
  f.stamp.listen_address = "127.0.0.1:0";
  auto t = Target::Create(f, clock);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t.value()->Start().ok());
  ASSERT_NE(t.value()->StampPort(), 0);
  probe::StampSessionOptions o;
  o.count = 5;
  o.interval = std::chrono::milliseconds(1);
  auto session = probe::StampSession::Open(
      *net::SocketAddress::FromIp("127.0.0.1", t.value()->StampPort()), o);
  ASSERT_TRUE(session.ok());
  std::atomic<bool> cancelled{false}, stop{false};
  const net::Deadline d{clock, clock.SteadyNow() + std::chrono::seconds(30), cancelled};
  ASSERT_TRUE(session->Run(clock, d, d.at, stop, [](SteadyTime) { return 0; }).ok());
  const auto a = probe::AnalyzeStampSession(session->packets(), 1);
  EXPECT_EQ(a.segments[0].received, 5u);
  EXPECT_TRUE(a.reflector_stateful);  // the first two packets went out swapped
  t.value()->Stop();
}

TEST(TargetTest, BadStampAddressFailsCreateNamingTheFlag) {
  Flags f = LoopbackFlags();
  f.stamp.listen_address = "localhost:862";
  SystemClock clock;
  auto t = Target::Create(f, clock);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().rfind("--stamp.listen-address: STAMP listen address "
                                       "\"localhost:862\"",
                                       0),
            0u)
      << t.status().message();
}

}  // namespace
}  // namespace hermes::target
