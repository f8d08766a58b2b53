// H2Connection driven from bytes: a real nghttp2 client session (or raw frames
// written here) on one side, the server's protocol state on the other, and time
// passed in explicitly. No sockets, no sleeps.
#include "server/h2_connection.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <map>

#include "server/server_test_util.h"

namespace hermes::server {
namespace {

using namespace std::chrono_literals;
using TimePoint = H2Connection::TimePoint;
using test_util::FakeAuthenticator;

Route BodyRoute(uint64_t max_body) {
  Route r;
  r.path = "/up";
  r.methods = {"POST"};
  r.handler_label = "up";
  r.requires_auth = false;
  r.max_body_bytes = max_body;
  r.handler = [](const HttpRequest& q) {
    return HttpResponse::Text(200, std::to_string(q.body_bytes));
  };
  return r;
}

Route DelayRoute() {
  Route r = test_util::TextRoute("/slow", "late");
  r.handler = [](const HttpRequest&) {
    HttpResponse x = HttpResponse::Text(200, "late");
    x.delay = 20ms;
    return x;
  };
  return r;
}

Route StreamRoute() {
  Route r = test_util::TextRoute("/big", "");
  r.handler = [](const HttpRequest&) {
    HttpResponse x;
    x.stream = StreamedBody{64ull << 20};
    return x;
  };
  return r;
}

struct Response {
  int status = 0;
  uint64_t body = 0;
  std::string text;
  bool closed = false;
  uint32_t error = 0;  // RST_STREAM / close error code
};

// An nghttp2 client session whose bytes go straight into an H2Connection.
class H2Pair {
 public:
  explicit H2Pair(ServerLimits limits = {}, Http2Options h2 = {}, bool client_consumes = true)
      : core_{limits,
              h2,
              {},
              Router(
                  {test_util::TextRoute("/a", "hello"), test_util::TextRoute("/auth", "ok", true),
                   BodyRoute(1 << 20), DelayRoute(), StreamRoute()},
                  &auth_, &observer_, ServerOptions{}),
              ConnectionLimiter(10, 10),
              &observer_,
              std::vector<char>(64 * 1024, 'x')},
        server_(core_, "127.0.0.1", now) {
    EXPECT_TRUE(server_.Start().ok());
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, OnClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, OnFrame);
    nghttp2_option* opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, client_consumes ? 0 : 1);
    nghttp2_session_client_new2(&client_, cb, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(client_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Pair() { nghttp2_session_del(client_); }

  int32_t Request(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> extra = {},
                  uint64_t body_bytes = 0) {
    std::vector<std::pair<std::string, std::string>> h = {
        {":method", method}, {":scheme", "https"}, {":authority", "localhost"}, {":path", path}};
    for (auto& e : extra) h.push_back(std::move(e));
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : h) {
      nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                     n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
    }
    upload_left_ = body_bytes;
    nghttp2_data_provider body{};
    body.read_callback = ReadBody;
    return nghttp2_submit_request(client_, nullptr, nva.data(), nva.size(),
                                  body_bytes > 0 ? &body : nullptr, this);
  }

  // Moves bytes both ways until neither side has anything to say. Returns false
  // when the server ended the connection.
  bool Pump() {
    for (int round = 0; round < 100000; ++round) {
      bool moved = SendToServer();
      std::string out;
      server_.Produce(out, 1 << 20, now);
      if (!out.empty()) {
        moved = true;
        nghttp2_session_mem_recv(client_, reinterpret_cast<const uint8_t*>(out.data()), out.size());
      }
      if (!moved) break;
    }
    return !server_failed && !server_.Finished();
  }

  // One server write of `max` bytes (H2Session's write size), after what the
  // client has to send; returns the write's size.
  size_t Write(size_t max) {
    SendToServer();
    std::string out;
    server_.Produce(out, max, now);
    nghttp2_session_mem_recv(client_, reinterpret_cast<const uint8_t*>(out.data()), out.size());
    return out.size();
  }

  // Feeds raw bytes to the server (hand-written frames).
  bool Raw(const std::string& bytes) {
    return server_.Receive(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), now).ok();
  }

  void Advance(std::chrono::milliseconds d) {
    now += d;
    server_.OnTimer(now);
  }

  TimePoint now = std::chrono::steady_clock::now();
  nghttp2_session* client_ = nullptr;
  std::map<int32_t, Response> responses;
  uint32_t goaway_error = UINT32_MAX;  // UINT32_MAX: no GOAWAY seen
  bool server_failed = false;
  test_util::RecordingObserver observer_;
  H2Connection& server() { return server_; }

 private:
  bool SendToServer() {
    bool moved = false;
    const uint8_t* data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(client_, &data)) > 0) {
      moved = true;
      if (!server_.Receive(data, static_cast<size_t>(n), now).ok()) server_failed = true;
    }
    return moved;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name, size_t nl,
                      const uint8_t* value, size_t vl, uint8_t, void* ud) {
    if (std::string_view(reinterpret_cast<const char*>(name), nl) == ":status") {
      static_cast<H2Pair*>(ud)->responses[f->hd.stream_id].status =
          std::stoi(std::string(reinterpret_cast<const char*>(value), vl));
    }
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* d, size_t len, void* ud) {
    Response& r = static_cast<H2Pair*>(ud)->responses[id];
    r.body += len;
    if (r.text.size() < 256) r.text.append(reinterpret_cast<const char*>(d), len);
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t error, void* ud) {
    Response& r = static_cast<H2Pair*>(ud)->responses[id];
    r.closed = true;
    r.error = error;
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* f, void* ud) {
    if (f->hd.type == NGHTTP2_GOAWAY) static_cast<H2Pair*>(ud)->goaway_error = f->goaway.error_code;
    return 0;
  }
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                          nghttp2_data_source*, void* ud) {
    H2Pair& p = *static_cast<H2Pair*>(ud);
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, p.upload_left_));
    std::memset(buf, 'u', n);
    p.upload_left_ -= n;
    if (p.upload_left_ == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  FakeAuthenticator auth_;
  ServerCore core_;
  H2Connection server_;
  uint64_t upload_left_ = 0;
};

TEST(H2ConnectionTest, ServesRoutesAndCountsUploads) {
  H2Pair p;
  int32_t get = p.Request("GET", "/a");
  int32_t post = p.Request("POST", "/up", {}, 300000);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[get].status, 200);
  EXPECT_EQ(p.responses[get].text, "hello");
  EXPECT_EQ(p.responses[post].status, 200);
  EXPECT_EQ(p.responses[post].text, "300000");
  EXPECT_EQ(p.observer_.Requests(), (std::vector<std::string>{"/a 200", "up 200"}));
}

TEST(H2ConnectionTest, RouterRulesAndAuthAsForHttp11) {
  H2Pair p;
  int32_t missing = p.Request("GET", "/nope");
  int32_t method = p.Request("DELETE", "/a");
  int32_t noauth = p.Request("GET", "/auth");
  int32_t good = p.Request("GET", "/auth", {{"authorization", "Bearer good"}});
  int32_t big = p.Request("POST", "/up", {{"content-length", "2000000"}}, 2000000);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[missing].status, 404);
  EXPECT_EQ(p.responses[method].status, 405);
  EXPECT_EQ(p.responses[noauth].status, 401);
  EXPECT_EQ(p.responses[good].status, 200);
  EXPECT_EQ(p.responses[big].status, 413);
  EXPECT_TRUE(p.responses[big].closed);  // reset after the answer: the body is not read
}

TEST(H2ConnectionTest, BodyOverTheRouteLimitIs413WithoutContentLength) {
  H2Pair p;
  int32_t id = p.Request("POST", "/up", {}, 3 << 20);
  p.Pump();
  EXPECT_EQ(p.responses[id].status, 413);
  EXPECT_TRUE(p.responses[id].closed);
  EXPECT_LT(p.responses[id].body, 100u);
}

TEST(H2ConnectionTest, OversizeHeadersAre431AndTheConnectionLives) {
  H2Pair p;
  int32_t big = p.Request("GET", "/a", {{"x-big", std::string(9000, 'a')}});
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 70; ++i) many.emplace_back("x-h" + std::to_string(i), "v");
  int32_t count = p.Request("GET", "/a", many);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[big].status, 431);
  EXPECT_EQ(p.responses[count].status, 431);
  int32_t ok = p.Request("GET", "/a");
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[ok].status, 200);
}

TEST(H2ConnectionTest, HeaderBlockFarOverTheLimitEndsTheConnection) {
  H2Pair p;
  p.Request("GET", "/a",
            {{"x-1", std::string(15000, 'a')},
             {"x-2", std::string(15000, 'b')},
             {"x-3", std::string(15000, 'c')}});
  EXPECT_FALSE(p.Pump());
  EXPECT_EQ(p.goaway_error, NGHTTP2_ENHANCE_YOUR_CALM);
}

TEST(H2ConnectionTest, AdvertisesWindowsForFastUploads) {
  Http2Options h2;
  H2Pair p({}, h2);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(nghttp2_session_get_remote_settings(p.client_, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE),
            h2.stream_window);
  EXPECT_EQ(nghttp2_session_get_remote_settings(p.client_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS),
            h2.max_concurrent_streams);
  EXPECT_EQ(nghttp2_session_get_remote_window_size(p.client_),
            static_cast<int32_t>(h2.connection_window));
}

TEST(H2ConnectionTest, StreamedDownloadFollowsTheClientsWindow) {
  H2Pair p({}, {}, /*client_consumes=*/false);
  int32_t id = p.Request("GET", "/big");
  ASSERT_TRUE(p.Pump());
  // The client never consumed: no more than its 64 KiB default window was sent.
  EXPECT_EQ(p.responses[id].status, 200);
  EXPECT_LE(p.responses[id].body, 65535u);
  EXPECT_FALSE(p.responses[id].closed);
  // Without progress for write_timeout the stream is cancelled.
  p.Advance(ServerLimits{}.write_timeout);
  p.Pump();
  EXPECT_TRUE(p.responses[id].closed);
  EXPECT_EQ(p.responses[id].error, static_cast<uint32_t>(NGHTTP2_CANCEL));
}

// A write holds what the driver asked for (DATA frames are cut to fit, not
// 16 KiB each), so a small response that arrives during a bulk download goes out
// in the next write with at most that much bulk data beside it (RPM self probes).
TEST(H2ConnectionTest, WritesKeepTheirSizeAndANewResponseGoesOutInTheNext) {
  constexpr size_t kWrite = 4096, kFrameHeader = 9;
  H2Pair p;
  int32_t big = p.Request("GET", "/big");
  for (int i = 0; i < 8; ++i) EXPECT_LE(p.Write(kWrite), kWrite + kFrameHeader);
  const uint64_t before = p.responses[big].body;
  EXPECT_GT(before, 4 * kWrite);
  int32_t small = p.Request("GET", "/a");
  EXPECT_LE(p.Write(kWrite), kWrite + kFrameHeader);
  EXPECT_TRUE(p.responses[small].closed);
  EXPECT_EQ(p.responses[small].text, "hello");
  EXPECT_LE(p.responses[big].body - before, kWrite);
  EXPECT_FALSE(p.responses[big].closed);
}

TEST(H2ConnectionTest, DelayedResponseWaitsForTheTimer) {
  H2Pair p;
  int32_t id = p.Request("GET", "/slow");
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[id].status, 0);
  EXPECT_EQ(p.server().NextDeadline(), p.now + 20ms);
  p.Advance(20ms);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.responses[id].status, 200);
}

TEST(H2ConnectionTest, IdleConnectionGetsGoawayAfterTheHeadDeadlineBeforeAuth) {
  H2Pair p;
  ASSERT_TRUE(p.Pump());
  p.Advance(ServerLimits{}.head_deadline - 1ms);
  ASSERT_TRUE(p.Pump());
  p.Advance(1ms);
  p.Pump();
  EXPECT_EQ(p.goaway_error, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
}

TEST(H2ConnectionTest, AuthenticatedConnectionEarnsTheIdleTimeout) {
  H2Pair p;
  p.Request("GET", "/auth", {{"authorization", "Bearer good"}});
  ASSERT_TRUE(p.Pump());
  p.Advance(ServerLimits{}.head_deadline);
  ASSERT_TRUE(p.Pump());
  EXPECT_EQ(p.goaway_error, UINT32_MAX);
  p.Advance(ServerLimits{}.idle_timeout);
  p.Pump();
  EXPECT_EQ(p.goaway_error, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
}

TEST(H2ConnectionTest, RapidResetEndsTheConnection) {
  Http2Options h2;
  H2Pair p({}, h2);
  ASSERT_TRUE(p.Pump());
  bool alive = true;
  for (uint32_t i = 0; i < h2.reset_burst + 10 && alive; ++i) {
    int32_t id = p.Request("GET", "/slow");
    p.Pump();  // HEADERS out first: nghttp2 drops a request cancelled before it is sent
    nghttp2_submit_rst_stream(p.client_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    alive = p.Pump();
  }
  EXPECT_FALSE(alive);
  EXPECT_EQ(p.goaway_error, static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
}

// Raw frames: 9-byte header (length, type, flags, stream id) + payload.
std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  const size_t n = payload.size();
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>(stream >> 24);
  f += static_cast<char>(stream >> 16);
  f += static_cast<char>(stream >> 8);
  f += static_cast<char>(stream);
  return f + payload;
}

// HPACK "literal header field without indexing, new name" for a short name/value.
std::string Literal(const std::string& name, const std::string& value) {
  return std::string(1, '\0') + static_cast<char>(name.size()) + name +
         static_cast<char>(value.size()) + value;
}

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

TEST(H2ConnectionTest, ContinuationFloodEndsTheConnection) {
  H2Pair p;
  std::string bytes = kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "");
  // :method GET (static index 2), :path / (4), :scheme https (7), then no END_HEADERS.
  bytes += Frame(NGHTTP2_HEADERS, 0, 1, "\x82\x84\x87");
  ASSERT_TRUE(p.Raw(bytes));
  bool alive = true;
  for (int i = 0; i < 50 && alive; ++i) {
    alive = p.Raw(Frame(NGHTTP2_CONTINUATION, 0, 1, Literal("x-c", "v")));
  }
  EXPECT_FALSE(alive);
}

TEST(H2ConnectionTest, HeaderBlockNotFinishedWithinTheHeadDeadlineEndsTheConnection) {
  H2Pair p;
  ASSERT_TRUE(p.Raw(kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "") +
                    Frame(NGHTTP2_HEADERS, 0, 1, "\x82\x84\x87")));
  EXPECT_EQ(p.server().NextDeadline(), p.now + ServerLimits{}.head_deadline);
  p.Advance(ServerLimits{}.head_deadline);
  std::string out;
  p.server().Produce(out, 1 << 20, p.now);
  EXPECT_NE(out.find(static_cast<char>(NGHTTP2_GOAWAY)), std::string::npos);
  EXPECT_TRUE(p.server().Finished());
}

TEST(H2ConnectionTest, StreamsOverTheConcurrencyLimitAreRefused) {
  Http2Options h2;
  h2.max_concurrent_streams = 10;
  H2Pair p({}, h2);
  std::string bytes = kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "");
  // GET https://a/slow: indexed :method GET and :scheme https, literal :authority and :path.
  const std::string block = std::string(
      "\x82\x87\x01\x01"
      "a"
      "\x04\x05"
      "/slow");
  for (uint32_t id = 1; id <= 2 * 30; id += 2) {
    bytes += Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, block);
  }
  p.Raw(bytes);  // a client that ignores the advertised limit may be cut off entirely
  EXPECT_LE(p.server().OpenStreams(), 10u);
}

TEST(H2ConnectionTest, MalformedFramesEndTheConnection) {
  for (const std::string& junk :
       {std::string("GET / HTTP/1.1\r\n\r\n"),            // not the preface
        kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "abc"),  // SETTINGS length not a multiple of 6
        kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "") + Frame(NGHTTP2_DATA, 0, 0, "x"),  // stream 0
        kPreface + Frame(NGHTTP2_SETTINGS, 0, 0, "") +
            Frame(NGHTTP2_WINDOW_UPDATE, 0, 0, std::string(4, '\0'))}) {  // zero increment
    H2Pair p;
    const bool accepted = p.Raw(junk);
    std::string out;
    p.server().Produce(out, 1 << 20, p.now);  // the GOAWAY nghttp2 queued
    EXPECT_TRUE(!accepted || p.server().Finished()) << junk.size();
  }
}

}  // namespace
}  // namespace hermes::server
