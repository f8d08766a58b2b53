// Plain-HTTP behaviour of the listener over real sockets on 127.0.0.1:0.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <thread>

#include "server/server_test_util.h"
#include "testing/testing.h"

namespace hermes::server {
namespace {

using namespace test_util;  // NOLINT: test helpers
using Clock = std::chrono::steady_clock;
using hermes::testing::Eventually;

std::string Gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "<inflate failed>";
}

Route BodyRoute(uint64_t max_body) {
  Route r;
  r.path = "/__up";
  r.methods = {"POST"};
  r.handler_label = "up";
  r.requires_auth = false;
  r.max_body_bytes = max_body;
  r.handler = [](const HttpRequest& req) {
    return HttpResponse::Text(200, std::to_string(req.body_bytes));
  };
  return r;
}

Route StreamRoute(StreamedBody body) {
  Route r;
  r.path = "/__down";
  r.methods = {"GET"};
  r.handler_label = "down";
  r.requires_auth = false;
  r.handler = [body](const HttpRequest&) {
    HttpResponse res;
    res.content_type = "application/octet-stream";
    res.stream = body;
    return res;
  };
  return r;
}

TEST(HttpServerTest, ServesGetAndKeepsConnectionAlive) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(Get("/a")));
    Response r = ReadResponse(c);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  }
  s.server.Stop();
  EXPECT_EQ(s.observer.Requests(), (std::vector<std::string>{"/a 200", "/a 200"}));
}

TEST(HttpServerTest, HeadReturnsHeadersWithoutBody) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send("HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  Response r = ReadResponse(c, /*head=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], "5");
  // No body bytes were sent: the next response starts right away.
  ASSERT_TRUE(c.Send(Get("/a")));
  EXPECT_EQ(ReadResponse(c).body, "hello");
}

TEST(HttpServerTest, UnknownPathIs404WithOtherLabelAndConfiguredHeaders) {
  ServerOptions o = TestServer::Options();
  o.web.headers["X-Frame-Options"] = "deny";
  TestServer s(o, {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/nope?token=secret")));
  Response r = ReadResponse(c);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["x-frame-options"], "deny");
  ASSERT_TRUE(c.Send(Get("/a")));
  EXPECT_EQ(ReadResponse(c).headers["x-frame-options"], "deny");
  s.server.Stop();
  EXPECT_EQ(s.observer.Requests().at(0), "other 404");
}

TEST(HttpServerTest, DisallowedMethodIs405WithAllow) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send("DELETE /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  Response r = ReadResponse(c);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["allow"], "GET, HEAD");
}

TEST(HttpServerTest, BodyOnGetRouteIs413AndClosed) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"));
  EXPECT_EQ(ReadResponse(c).status, 413);
  EXPECT_TRUE(c.ClosedWithin(10s));
}

TEST(HttpServerTest, ChunkedBodyOnGetRouteIs411) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde"));
  EXPECT_EQ(ReadResponse(c).status, 411);
  EXPECT_TRUE(c.ClosedWithin(10s));
}

TEST(HttpServerTest, BodyRouteCountsContentLengthAndChunkedBodies) {
  TestServer s(TestServer::Options(), {BodyRoute(1 << 20)});
  s.Start();
  Conn c(s.port);
  std::string body(300000, 'x');
  ASSERT_TRUE(c.Send("POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + body));
  EXPECT_EQ(ReadResponse(c).body, "300000");
  ASSERT_TRUE(
      c.Send("POST /__up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  EXPECT_EQ(ReadResponse(c).body, "7");
}

TEST(HttpServerTest, BodyRouteAnswers100Continue) {
  TestServer s(TestServer::Options(), {BodyRoute(1 << 20)});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(
      c.Send("POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
             "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(ReadResponse(c).status, 100);
  ASSERT_TRUE(c.Send("abcd"));
  EXPECT_EQ(ReadResponse(c).body, "4");
}

TEST(HttpServerTest, BodyRouteRejectsOversizedBodies) {
  TestServer s(TestServer::Options(), {BodyRoute(1000)});
  s.Start();
  Conn declared(s.port);
  ASSERT_TRUE(declared.Send("POST /__up HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n"));
  EXPECT_EQ(ReadResponse(declared).status, 413);
  Conn chunked(s.port);
  ASSERT_TRUE(
      chunked.Send("POST /__up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3e9\r\n" +
                   std::string(1001, 'x') + "\r\n0\r\n\r\n"));
  EXPECT_EQ(ReadResponse(chunked).status, 413);
}

TEST(HttpServerTest, UnknownTransferCodingIs501AndTheBodyIsNeverServedAsARequest) {
  // "gzip" is not chunked: a parser that ignored it would read the body, a
  // complete GET, as the next request on the connection.
  TestServer s(TestServer::Options(), {BodyRoute(1 << 20), TextRoute("/a", "smuggled")});
  s.Start();
  for (std::string te : {"gzip", "xchunked", "identity", "gzip, chunked"}) {
    SCOPED_TRACE(te);
    Conn c(s.port);
    std::string inner = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(
        c.Send("POST /__up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n" + inner));
    Response r = ReadResponse(c);
    EXPECT_EQ(r.status, 501);
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_TRUE(c.ClosedWithin(10s));  // nothing after the 501, in particular no 200
  }
  EXPECT_EQ(s.observer.Requests(), std::vector<std::string>(4, "up 501"));
}

TEST(HttpServerTest, HostAndAuthorizationMustNotBeAmbiguous) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  for (std::string head :
       {"GET /a HTTP/1.1\r\n\r\n", "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x\r\n"
        "Authorization: Bearer y\r\n\r\n"}) {
    SCOPED_TRACE(head);
    Conn c(s.port);
    ASSERT_TRUE(c.Send(head));
    EXPECT_EQ(ReadResponse(c).status, 400);
    EXPECT_TRUE(c.ClosedWithin(10s));
  }
}

TEST(HttpServerTest, MalformedRequestIs400) {
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello")});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nBad Header Without Colon\r\n\r\n"));
  EXPECT_EQ(ReadResponse(c).status, 400);
  EXPECT_TRUE(c.ClosedWithin(10s));
}

TEST(HttpServerTest, GzipRoundTripWhenAccepted) {
  Route r = TextRoute("/metrics", "");
  std::string page;
  for (int i = 0; i < 1000; ++i) page += "hermes_metric{probe=\"p" + std::to_string(i) + "\"} 1\n";
  r.handler = [page](const HttpRequest&) {
    HttpResponse res = HttpResponse::Text(200, page);
    res.compressible = true;
    return res;
  };
  TestServer s(TestServer::Options(), {r});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/metrics", "Accept-Encoding: deflate, gzip;q=0.8\r\n")));
  Response gz = ReadResponse(c);
  EXPECT_EQ(gz.headers["content-encoding"], "gzip");
  EXPECT_EQ(gz.headers["vary"], "Accept-Encoding");
  EXPECT_LT(gz.body.size(), page.size() / 4);
  EXPECT_EQ(Gunzip(gz.body), page);
  ASSERT_TRUE(c.Send(Get("/metrics", "Accept-Encoding: gzip;q=0\r\n")));
  Response plain = ReadResponse(c);
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u);
  EXPECT_EQ(plain.body, page);
}

TEST(HttpServerTest, AuthFailuresAre401WithChallengesAnd429WhenLimited) {
  ServerOptions o = TestServer::Options();
  o.realm = "hermes";
  o.web.basic_auth_users["alice"] = "$2y$10$hash";
  FakeAuthenticator auth;
  TestServer s(o, {TextRoute("/metrics", "m", /*auth=*/true), TextRoute("/-/healthy", "ok")},
               &auth);
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/metrics")));
  Response missing = ReadResponse(c);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.headers["www-authenticate"],
            "Bearer realm=\"hermes\"\nBasic realm=\"hermes\", charset=\"UTF-8\"");
  ASSERT_TRUE(c.Send(Get("/metrics", "Authorization: Bearer wrong\r\n")));
  EXPECT_EQ(ReadResponse(c).status, 401);
  ASSERT_TRUE(c.Send(Get("/metrics", "Authorization: Bearer limited\r\n")));
  Response limited = ReadResponse(c);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers["retry-after"], "60");
  ASSERT_TRUE(c.Send(Get("/metrics", "Authorization: Bearer good\r\n")));
  EXPECT_EQ(ReadResponse(c).body, "m");
  ASSERT_TRUE(c.Send(Get("/-/healthy")));
  EXPECT_EQ(ReadResponse(c).body, "ok");
  EXPECT_EQ(s.observer.auth_failures,
            (std::vector<AuthFailure>{AuthFailure::kMissing, AuthFailure::kInvalid}));
}

TEST(HttpServerTest, StreamsLargeBodyWithCorrectLength) {
  constexpr uint64_t kBytes = 100'000'000;
  TestServer s(TestServer::Options(), {StreamRoute(StreamedBody{kBytes})});
  s.Start();
  Conn c(s.port);
  auto start = Clock::now();
  ASSERT_TRUE(c.Send(Get("/__down")));
  Response r = ReadResponse(c, false, /*keep=*/1024);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body_bytes, kBytes);
  EXPECT_EQ(r.headers["content-length"], std::to_string(kBytes));
  std::printf("[ measure  ] plain stream 100 MB in %.3f s = %.2f GB/s\n", secs,
              kBytes / secs / 1e9);
  // The connection is reusable afterwards.
  ASSERT_TRUE(c.Send(Get("/__down", "Range: none\r\n")));
  EXPECT_EQ(ReadResponse(c, false, 1024).body_bytes, kBytes);
}

TEST(HttpServerTest, ResetAfterTruncatesStream) {
  StreamedBody body{10'000'000};
  body.reset_after = 1'000'000;
  TestServer s(TestServer::Options(), {StreamRoute(body)});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/__down")));
  Response r = ReadResponse(c, false, 1024);
  EXPECT_EQ(r.headers["content-length"], "10000000");
  EXPECT_FALSE(r.complete);
  EXPECT_LE(r.body_bytes, 1'000'000u);
}

TEST(HttpServerTest, DeclaredLengthLongerThanBodyClosesAfterBody) {
  StreamedBody body{1000};
  body.declared_length = 5000;
  TestServer s(TestServer::Options(), {StreamRoute(body)});
  s.Start();
  Conn c(s.port);
  ASSERT_TRUE(c.Send(Get("/__down")));
  Response r = ReadResponse(c, false, 1024, 2000ms);
  EXPECT_EQ(r.headers["content-length"], "5000");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.body_bytes, 1000u);
}

TEST(HttpServerTest, DelayDoesNotBlockTheIoThread) {
  // One io thread: the fast request is answered while the slow one waits out its
  // delay, i.e. before the delay (the only bound here) has passed.
  static constexpr auto kDelay = 3s;
  ServerOptions o = TestServer::Options();
  o.io_threads = 1;
  Route slow = TextRoute("/slow", "late");
  slow.handler = [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Text(200, "late");
    r.delay = kDelay;
    return r;
  };
  TestServer s(o, {slow, TextRoute("/a", "hello")});
  s.Start();
  Conn slow_conn(s.port), fast(s.port);
  auto start = Clock::now();
  ASSERT_TRUE(slow_conn.Send(Get("/slow")));
  ASSERT_TRUE(Eventually([&] { return s.observer.open.load() == 2; }));
  ASSERT_TRUE(fast.Send(Get("/a")));
  EXPECT_EQ(ReadResponse(fast).status, 200);
  EXPECT_LT(Clock::now() - start, kDelay);
  EXPECT_EQ(ReadResponse(slow_conn, false, 1 << 20, 30s).body, "late");
}

TEST(HttpServerTest, StopWithOpenConnectionsReturnsQuickly) {
  StreamedBody huge{uint64_t{1} << 40};
  StreamedBody stall{1000};
  stall.stall = true;
  Route stall_route = StreamRoute(stall);
  stall_route.path = "/stall";
  TestServer s(TestServer::Options(), {TextRoute("/a", "hello"), StreamRoute(huge), stall_route});
  s.Start();
  auto idle = OpenServed(s.port, 1);
  Conn streaming(s.port), stalled(s.port), half(s.port);
  ASSERT_TRUE(streaming.Send(Get("/__down")));  // never read: the server blocks in a write
  ASSERT_TRUE(stalled.Send(Get("/stall")));
  EXPECT_EQ(ReadResponse(stalled, true).status, 200);
  ASSERT_TRUE(half.Send("GET /a HTTP/1.1\r\n"));                         // head never completes
  ASSERT_TRUE(Eventually([&] { return s.observer.open.load() == 4; }));  // all four admitted
  auto start = Clock::now();
  s.server.Stop();
  EXPECT_LT(Clock::now() - start, 10s);  // write_timeout (60 s) would be the hang
  EXPECT_TRUE(idle[0]->ClosedWithin(10s));
  EXPECT_TRUE(stalled.ClosedWithin(10s));
  EXPECT_TRUE(half.ClosedWithin(10s));
  s.server.Stop();  // idempotent
  EXPECT_EQ(s.observer.open.load(), 0);
}

TEST(HttpServerTest, BindFailureNamesTheAddress) {
  TestServer first(TestServer::Options(), {});
  first.Start();
  ServerOptions o = TestServer::Options();
  o.listen_addresses = {"127.0.0.1:" + std::to_string(first.port)};
  HttpServer second(o, {}, nullptr, nullptr);
  Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(first.port)), std::string::npos)
      << st.message();
  HttpServer bad(ServerOptions{{"no-port"}}, {}, nullptr, nullptr);
  EXPECT_NE(bad.Start().message().find("no-port"), std::string::npos);
}

TEST(HttpServerTest, ListensOnEveryAddress) {
  ServerOptions o = TestServer::Options();
  o.listen_addresses = {"127.0.0.1:0", ":0", "localhost:0"};
  TestServer s(o, {TextRoute("/a", "hello")});
  s.Start();
  auto ports = s.server.BoundPorts();
  ASSERT_EQ(ports.size(), 3u);
  for (uint16_t p : ports) {
    Conn c(p);
    ASSERT_TRUE(c.Send(Get("/a")));
    EXPECT_EQ(ReadResponse(c).body, "hello") << p;
  }
}

}  // namespace
}  // namespace hermes::server
