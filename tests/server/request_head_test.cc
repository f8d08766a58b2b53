// DecideHead from request heads read by a real Beast parser, configured and
// bounded as the listener does, out of strings instead of sockets.
#include "server/request_head.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <string>
#include <utility>
#include <vector>

#include "server/server_test_util.h"

namespace hermes::server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using test_util::FakeAuthenticator;
using test_util::TextRoute;
using Kind = HeadDecision::Kind;

// A SyncReadStream over a string; end of stream once it is consumed.
class StringStream {
 public:
  explicit StringStream(std::string data) : data_(std::move(data)) {}

  template <class Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (pos_ == data_.size()) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    size_t n = net::buffer_copy(buffers, net::buffer(data_.data() + pos_, data_.size() - pos_));
    pos_ += n;
    return n;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class RequestHeadTest : public ::testing::Test {
 protected:
  RequestHeadTest() : router_(Routes(), &auth_, &observer_, ServerOptions()) {}

  static std::vector<Route> Routes() {
    Route upload = TextRoute("/up", "ok", /*auth=*/true);
    upload.methods = {"POST"};
    upload.max_body_bytes = 100;
    return {TextRoute("/a", "hello"), TextRoute("/secret", "s", /*auth=*/true), upload};
  }

  // Reads the head of `bytes` as session.cc does (header limit, buffer bounded to
  // the limit plus 4 KiB) and decides on it.
  HeadDecision Decide(const std::string& bytes, bool tls = false) {
    StringStream stream(bytes);
    boost::beast::flat_buffer buffer(limits_.max_header_bytes + 4096);
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(limits_.max_header_bytes));
    parser.body_limit(boost::none);
    boost::beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    return DecideHead(parser, ec, limits_, router_, "192.0.2.7", tls);
  }

  static std::string Get(const std::string& target, const std::string& extra = "") {
    return test_util::Get(target, extra);
  }

  static bool HasHeader(const HttpResponse& r, const std::string& name, const std::string& value) {
    return std::find(r.headers.begin(), r.headers.end(), std::make_pair(name, value)) !=
           r.headers.end();
  }

  ServerLimits limits_;
  FakeAuthenticator auth_;
  test_util::RecordingObserver observer_;
  Router router_;
};

TEST_F(RequestHeadTest, GoodGetProceedsWithRequestFilled) {
  HeadDecision d = Decide(Get("/a?x=1&y", "X-Thing: v\r\n"), /*tls=*/true);
  ASSERT_EQ(d.kind, Kind::kProceed);
  EXPECT_EQ(d.route, router_.Find("/a"));
  EXPECT_EQ(d.request.method, "GET");
  EXPECT_EQ(d.request.path, "/a");
  EXPECT_EQ(d.request.query, "x=1&y");
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(d.request.headers, (Headers{{"Host", "localhost"}, {"X-Thing", "v"}}));
  EXPECT_EQ(d.request.client_ip, "192.0.2.7");
  EXPECT_TRUE(d.request.tls);
  EXPECT_TRUE(d.keep_alive);
  EXPECT_FALSE(d.has_body);
}

TEST_F(RequestHeadTest, ConnectionCloseIsNotKeptAlive) {
  HeadDecision d = Decide(Get("/a", "Connection: close\r\n"));
  ASSERT_EQ(d.kind, Kind::kProceed);
  EXPECT_FALSE(d.keep_alive);
}

TEST_F(RequestHeadTest, TooManyFieldsIs431AndCloses) {
  std::string fields;
  for (int i = 0; i < limits_.max_headers; ++i) fields += "X-H" + std::to_string(i) + ": v\r\n";
  HeadDecision d = Decide(Get("/a", fields));  // Host + max_headers fields
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 431);
  EXPECT_EQ(d.reply.body, "too many request header fields\n");
  EXPECT_TRUE(d.close_after);
  EXPECT_EQ(d.route, nullptr);
  EXPECT_EQ(d.request.client_ip, "192.0.2.7");
}

TEST_F(RequestHeadTest, OversizedHeadIs431AndCloses) {
  HeadDecision d =
      Decide(Get("/a", "X-Big: " + std::string(limits_.max_header_bytes, 'a') + "\r\n"));
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 431);
  EXPECT_EQ(d.reply.body, "request header fields too large\n");
  EXPECT_TRUE(d.close_after);
}

TEST_F(RequestHeadTest, MalformedHeadIs400AndCloses) {
  HeadDecision d = Decide("GET /a HTTP/1.1\r\nNo colon here\r\n\r\n");
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 400);
  EXPECT_EQ(d.reply.body, "malformed request\n");
  EXPECT_TRUE(d.close_after);
  EXPECT_EQ(d.route, nullptr);
}

TEST_F(RequestHeadTest, UnknownPathIs404AndKeepsConnection) {
  HeadDecision d = Decide(Get("/nope"));
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 404);
  EXPECT_EQ(d.route, nullptr);
  EXPECT_EQ(d.request.path, "/nope");
  EXPECT_FALSE(d.close_after);
  EXPECT_TRUE(d.keep_alive);
}

TEST_F(RequestHeadTest, WrongMethodIs405WithAllow) {
  HeadDecision d = Decide("DELETE /a HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 405);
  EXPECT_TRUE(HasHeader(d.reply, "Allow", "GET, HEAD"));
  EXPECT_EQ(d.route, router_.Find("/a"));  // labels the request's metrics
  EXPECT_FALSE(d.close_after);
}

TEST_F(RequestHeadTest, MissingCredentialsAre401WithWwwAuthenticate) {
  HeadDecision d = Decide(Get("/secret"));
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 401);
  EXPECT_TRUE(HasHeader(d.reply, "WWW-Authenticate", "Bearer realm=\"hermes\""));
  EXPECT_FALSE(d.close_after);
  EXPECT_EQ(observer_.auth_failures, std::vector<AuthFailure>{AuthFailure::kMissing});
}

TEST_F(RequestHeadTest, ValidCredentialsProceed) {
  HeadDecision d = Decide(Get("/secret", "Authorization: Bearer good\r\n"));
  ASSERT_EQ(d.kind, Kind::kProceed);
  EXPECT_EQ(d.route, router_.Find("/secret"));
}

TEST_F(RequestHeadTest, BodyOnRouteWithoutBodiesIsRejectedAndCloses) {
  HeadDecision d = Decide(Get("/a", "Content-Length: 5\r\n") + "hello");
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 413);
  EXPECT_EQ(d.reply.body, "request bodies are not accepted here\n");
  EXPECT_TRUE(d.has_body);
  EXPECT_TRUE(d.close_after);  // the body was not read
}

TEST_F(RequestHeadTest, ChunkedBodyOnRouteWithoutBodiesIs411AndCloses) {
  HeadDecision d = Decide(Get("/a", "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 411);
  EXPECT_TRUE(d.close_after);
}

TEST_F(RequestHeadTest, AuthRejectionWithUnreadBodyCloses) {
  HeadDecision d = Decide("POST /up HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(d.kind, Kind::kReply);
  EXPECT_EQ(d.reply.status, 401);
  EXPECT_TRUE(d.close_after);
}

TEST_F(RequestHeadTest, AcceptedBodyProceedsWithoutReadingIt) {
  HeadDecision d = Decide(
      "POST /up HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
      "Content-Length: 5\r\n\r\nhello");
  ASSERT_EQ(d.kind, Kind::kProceed);
  EXPECT_TRUE(d.has_body);
  EXPECT_EQ(d.request.body_bytes, 0u);
}

TEST_F(RequestHeadTest, TransferCodingsOtherThanChunkedAre501AndClose) {
  // Beast ignores codings it does not know: without this rule the body would be
  // read as the next request (request smuggling).
  for (std::string te :
       {"gzip", "xchunked", "identity", "gzip, chunked", "chunked, chunked",
        "chunked\r\nTransfer-Encoding: chunked", "gzip\r\nTransfer-Encoding: chunked"}) {
    SCOPED_TRACE(te);
    HeadDecision d = Decide(
        "POST /up HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
        "Transfer-Encoding: " +
        te + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    ASSERT_EQ(d.kind, Kind::kReply);
    // Beast itself refuses a second "chunked" (400); every other form is 501.
    EXPECT_TRUE(d.reply.status == 501 || (d.reply.status == 400 && te.starts_with("chunked\r")))
        << d.reply.status;
    EXPECT_TRUE(d.close_after);
  }
  HeadDecision chunked = Decide(
      "POST /up HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer good\r\n"
      "Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.kind, Kind::kProceed);
  EXPECT_TRUE(chunked.has_body);
}

TEST_F(RequestHeadTest, Http11WithoutExactlyOneHostIs400AndCloses) {
  for (std::string head :
       {"GET /a HTTP/1.1\r\n\r\n", "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /a HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        "GET /a HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    SCOPED_TRACE(head);
    HeadDecision d = Decide(head);
    ASSERT_EQ(d.kind, Kind::kReply);
    EXPECT_EQ(d.reply.status, 400);
    EXPECT_TRUE(d.close_after);
  }
  // HTTP/1.0 may leave Host out (RFC 9112 section 3.2).
  EXPECT_EQ(Decide("GET /a HTTP/1.0\r\n\r\n").kind, Kind::kProceed);
}

TEST_F(RequestHeadTest, DuplicateAuthorizationIs400EvenWhenOneIsValid) {
  for (std::string auth : {"Authorization: Bearer good\r\nAuthorization: Bearer bad\r\n",
                           "Authorization: Bearer bad\r\nAuthorization: Bearer good\r\n",
                           "Authorization: Bearer good\r\nauthorization: Bearer good\r\n"}) {
    HeadDecision d = Decide(Get("/secret", auth));
    ASSERT_EQ(d.kind, Kind::kReply);
    EXPECT_EQ(d.reply.status, 400);
    EXPECT_TRUE(d.close_after);
  }
  EXPECT_TRUE(observer_.auth_failures.empty());  // refused before authentication
}

TEST_F(RequestHeadTest, ClosedStreamIsAborted) { EXPECT_EQ(Decide("").kind, Kind::kAbort); }

TEST_F(RequestHeadTest, HeadCutShortIsAborted) {
  HeadDecision d = Decide("GET /a HTTP/1.1\r\nHost: loc");
  EXPECT_EQ(d.kind, Kind::kAbort);
  EXPECT_FALSE(d.close_after);
}

}  // namespace
}  // namespace hermes::server
