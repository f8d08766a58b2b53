// Limits the listener enforces before auth and before any body is read: header
// size and count, the head deadline, the idle timeout and connection caps.
#include <gtest/gtest.h>

#include <thread>

#include "server/http_server.h"
#include "server/server_test_util.h"
#include "testing/testing.h"

namespace hermes::server {
namespace {

using namespace test_util;  // NOLINT: test helpers
using Clock = std::chrono::steady_clock;
using hermes::testing::Eventually;

TEST(ServerLimitsTest, RejectsOversizedHeaderBlock) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/a", "X-Big: " + std::string(9000, 'a') + "\r\n")));
  EXPECT_EQ(ReadResponse(c).status, 431);
  EXPECT_TRUE(c.ClosedWithin(10s));
}

TEST(ServerLimitsTest, RejectsMoreThan64Headers) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  std::string headers;
  for (int i = 0; i < 63; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  Conn ok(s.port);  // Host + 63 = 64 fields
  ASSERT_TRUE(ok.Send(Get("/a", headers)));
  EXPECT_EQ(ReadResponse(ok).status, 200);
  Conn too_many(s.port);
  ASSERT_TRUE(too_many.Send(Get("/a", headers + "X-One-More: v\r\n")));
  EXPECT_EQ(ReadResponse(too_many).status, 431);
}

TEST(ServerLimitsTest, SlowHeaderTrickleIsCutAtHeadDeadline) {
  // A client that keeps sending a byte every 20 ms is still cut once the head
  // deadline has passed: a total deadline, not an inactivity timeout. (Without one
  // the trickle would go on until the 60 s guard below.)
  ServerOptions o = TestServer::Options();
  o.limits.head_deadline = 300ms;
  TestServer s(o, {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  auto start = Clock::now();
  ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  bool cut = false;
  while (!cut && Clock::now() - start < 60s) {
    cut = !c.Send("a") || c.ClosedWithin(20ms);
  }
  EXPECT_TRUE(cut);
  EXPECT_GE(Clock::now() - start, 250ms);
}

TEST(ServerLimitsTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o = TestServer::Options();
  o.limits.idle_timeout = 200ms;
  TestServer s(o, {TextRoute("/a", "hello", /*auth=*/true)});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/a")));
  EXPECT_EQ(ReadResponse(c).status, 200);
  auto start = Clock::now();
  EXPECT_TRUE(c.ClosedWithin(10s));
  EXPECT_GE(Clock::now() - start, 150ms);
}

TEST(ServerLimitsTest, OnlyAuthenticatedConnectionsEarnTheLongKeepAlive) {
  // One unauthenticated request (a health check, a 401) must not let a client hold
  // a connection slot for the whole idle timeout.
  ServerOptions o = TestServer::Options();
  o.limits.head_deadline = 300ms;
  o.limits.idle_timeout = 60s;
  TestServer s(o, {TextRoute("/open", "hello"), TextRoute("/auth", "secret", /*auth=*/true)});
  s.Start();
  Conn anonymous(s.port);
  ASSERT_TRUE(anonymous.Send(Get("/open")));
  EXPECT_EQ(ReadResponse(anonymous).status, 200);
  EXPECT_TRUE(anonymous.ClosedWithin(10s));
  Conn scraper(s.port);
  ASSERT_TRUE(scraper.Send(Get("/auth")));
  EXPECT_EQ(ReadResponse(scraper).status, 200);
  EXPECT_FALSE(scraper.ClosedWithin(1000ms));
}

// Opens `n` connections that each completed an authenticated request: established,
// so they count against the per-IP cap and are never evicted.
std::vector<std::unique_ptr<Conn>> OpenAuthenticated(uint16_t port, int n) {
  std::vector<std::unique_ptr<Conn>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<Conn>(port));
    EXPECT_TRUE(out.back()->Send(Get("/auth", "Authorization: Bearer good\r\n")));
    EXPECT_EQ(ReadResponse(*out.back()).status, 200);
  }
  return out;
}

TEST(ServerLimitsTest, PerIpCapRefusesRequestsBeyondTheEstablishedConnections) {
  ServerOptions o = TestServer::Options();
  o.limits.max_connections_per_ip = 2;
  FakeAuthenticator auth;
  TestServer s(o, {TextRoute("/auth", "secret", /*auth=*/true)}, &auth);
  s.Start();
  auto open = OpenAuthenticated(s.port, 2);
  Conn extra(s.port);  // admitted: it has sent nothing yet
  ASSERT_TRUE(extra.Send(Get("/auth", "Authorization: Bearer good\r\n")));
  Response r = ReadResponse(extra);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["connection"], "close");
  for (auto& c : open) {
    ASSERT_TRUE(c->Send(Get("/auth", "Authorization: Bearer good\r\n")));
    EXPECT_EQ(ReadResponse(*c).status, 200);
  }
  EXPECT_EQ(s.observer.Rejected(),
            std::vector<ConnectionRejectReason>{ConnectionRejectReason::kMaxConnectionsPerIp});
}

TEST(ServerLimitsTest, SlowHeadersFromTheScrapersAddressNeverLockItOut) {
  // The total cap is full of connections from the scraper's own address that have
  // not sent a head: each fresh scrape replaces the oldest of them.
  ServerOptions o = TestServer::Options();
  o.limits.max_connections = 4;
  o.limits.head_deadline = 60s;
  FakeAuthenticator auth;
  TestServer s(o, {TextRoute("/auth", "secret", /*auth=*/true)}, &auth);
  s.Start();
  std::vector<std::unique_ptr<Conn>> slow;
  for (int i = 0; i < 12; ++i) {
    slow.push_back(std::make_unique<Conn>(s.port));
    ASSERT_TRUE(slow.back()->Send("GET /auth HTTP/1.1\r\nHost: x\r\n"));  // never ends
  }
  for (int i = 0; i < 5; ++i) {
    Conn scrape(s.port);
    ASSERT_TRUE(scrape.Send(Get("/auth", "Authorization: Bearer good\r\n")));
    EXPECT_EQ(ReadResponse(scrape).status, 200) << "scrape " << i;
  }
  // The newest slow connections are the ones left; the oldest were closed first.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(slow[i]->ClosedWithin(5000ms)) << i;
  for (const auto& r : s.observer.Rejected()) {
    EXPECT_EQ(r, ConnectionRejectReason::kMaxConnections);
  }
}

TEST(ServerLimitsTest, TotalCapRefusesNewcomersOnlyWhenEveryConnectionIsEstablished) {
  ServerOptions o = TestServer::Options();
  o.limits.max_connections = 1;
  FakeAuthenticator auth;
  TestServer s(o, {TextRoute("/auth", "secret", /*auth=*/true)}, &auth);
  s.Start();
  auto open = OpenAuthenticated(s.port, 1);
  Conn extra(s.port);
  EXPECT_TRUE(extra.ClosedWithin(5000ms));
  ASSERT_TRUE(open[0]->Send(Get("/auth", "Authorization: Bearer good\r\n")));
  EXPECT_EQ(ReadResponse(*open[0]).status, 200);
  EXPECT_EQ(s.observer.Rejected(),
            std::vector<ConnectionRejectReason>{ConnectionRejectReason::kMaxConnections});
  // A slot frees when a connection closes.
  open.clear();
  EXPECT_TRUE(Eventually([&] { return s.observer.open.load() == 0; }));
  EXPECT_EQ(OpenAuthenticated(s.port, 1).size(), 1u);
}

}  // namespace
}  // namespace hermes::server
