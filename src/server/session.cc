#include "server/session.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "server/alpn.h"
#include "server/h2_session.h"
#include "server/request_head.h"
#include "server/response_plan.h"

namespace hermes::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kReadSlack = 4096;         // room for pipelined bytes after a head
constexpr size_t kBodyChunk = 64 * 1024;    // request-body discard buffer
constexpr size_t kChunksPerWrite = 16;      // streamed body: 16 x 64 KiB per write
constexpr size_t kMaxDrainBytes = 1 << 20;  // lingering close reads at most this much
constexpr auto kDrainTimeout = std::chrono::seconds(1);

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(ServerCore& core, std::string ip, tcp::socket socket, SSL_CTX* tls_ctx)
      : core_(core),
        ip_(std::move(ip)),
        ssl_ctx_(MakeSslContext(tls_ctx)),
        stream_(MakeStream(std::move(socket), ssl_ctx_.get())),
        timer_(stream_.get_executor()),
        buffer_(core.limits.max_header_bytes + kReadSlack) {}

  ~Session() {
    if (handed_off_) return;  // the HTTP/2 session owns the connection slot now
    if (request_open_) Record();
    if (id_ == 0) return;  // never admitted
    int open = core_.limiter.Release(id_);
    if (core_.observer != nullptr) core_.observer->OnConnectionsChanged(open);
  }

  void Start() {
    if (!Admit()) return;
    beast::error_code ec;
    Tcp().socket().set_option(tcp::no_delay(true), ec);
    Tcp().expires_after(core_.limits.head_deadline);
    if constexpr (kTls) {
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      ReadHead();
    }
  }

 private:
  static std::unique_ptr<net::ssl::context> MakeSslContext(SSL_CTX* ctx) {
    if (ctx == nullptr) return nullptr;
    SSL_CTX_up_ref(ctx);  // the asio wrapper owns (and frees) one reference
    return std::make_unique<net::ssl::context>(ctx);
  }
  static Stream MakeStream(tcp::socket socket, net::ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      return Stream(std::move(socket));
    }
  }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  auto Self() { return this->shared_from_this(); }

  // Takes a slot from the limiter, which may later close this connection (while it
  // is pending) to admit another one; false (connection closed) when refused.
  bool Admit() {
    auto evict = [weak = this->weak_from_this(), ex = stream_.get_executor()] {
      net::post(ex, [weak] {
        if (auto self = weak.lock()) self->Abort();
      });
    };
    ConnectionLimiter::Admission a = core_.limiter.Admit(ip_, std::move(evict));
    // An evicted connection was dropped for the total cap as much as a refused one.
    if (core_.observer != nullptr && (a.refused || a.evicted)) {
      core_.observer->OnConnectionRejected(ConnectionRejectReason::kMaxConnections);
    }
    if (a.refused) {
      beast::error_code ec;
      if constexpr (!kTls) {
        static constexpr char k503[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        Tcp().socket().non_blocking(true, ec);
        Tcp().socket().send(net::buffer(k503, sizeof(k503) - 1), 0, ec);  // best effort
      }
      Tcp().socket().close(ec);
      return false;
    }
    id_ = a.id;
    if (core_.observer != nullptr) core_.observer->OnConnectionsChanged(a.open);
    return true;
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      if (core_.observer != nullptr)
        core_.observer->OnConnectionRejected(ConnectionRejectReason::kTlsHandshake);
      return Abort();
    }
    if constexpr (kTls) {
      if (NegotiatedH2(stream_.native_handle())) {
        // An HTTP/2 connection multiplexes requests: it counts as established from
        // its handshake (against the per-IP cap, never evicted); H2Connection's own
        // deadlines close it when it idles.
        if (!core_.limiter.Establish(id_)) {
          if (core_.observer != nullptr) {
            core_.observer->OnConnectionRejected(ConnectionRejectReason::kMaxConnectionsPerIp);
          }
          return Abort();
        }
        handed_off_ = true;
        return StartH2Session(core_, std::move(stream_), std::move(ssl_ctx_), ip_, id_);
      }
    }
    Tcp().expires_after(core_.limits.head_deadline);
    ReadHead();
  }

  // Between requests: wait up to idle_timeout for the first byte of the next one,
  // then give the whole head head_deadline. Only a connection that has passed
  // authentication earns the long keep-alive: otherwise a few clients could hold
  // the connection cap for minutes with one unauthenticated request each.
  void WaitForRequest() {
    if (!authenticated_) core_.limiter.Unestablish(id_);  // evictable while it idles
    if (buffer_.size() > 0) {
      Tcp().expires_after(core_.limits.head_deadline);
      return ReadHead();
    }
    Tcp().expires_after(authenticated_ ? core_.limits.idle_timeout : core_.limits.head_deadline);
    stream_.async_read_some(buffer_.prepare(kReadSlack),
                            [self = Self()](beast::error_code ec, size_t n) {
                              if (ec) return self->Abort();
                              self->buffer_.commit(n);
                              self->Tcp().expires_after(self->core_.limits.head_deadline);
                              self->ReadHead();
                            });
  }

  void ReadHead() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(core_.limits.max_header_bytes));
    parser_->body_limit(boost::none);  // set per route once the head is known
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](beast::error_code ec, size_t) { self->OnHead(ec); });
  }

  void OnHead(beast::error_code ec) {
    start_ = std::chrono::steady_clock::now();
    if (!ec && !core_.limiter.Establish(id_)) {
      if (core_.observer != nullptr) {
        core_.observer->OnConnectionRejected(ConnectionRejectReason::kMaxConnectionsPerIp);
      }
      request_ = HttpRequest{};
      route_ = nullptr;
      return Reply(HttpResponse::Text(503, "too many connections from this address\n"), true);
    }
    HeadDecision head = DecideHead(*parser_, ec, core_.limits, core_.router, ip_, kTls);
    request_ = std::move(head.request);
    route_ = head.route;
    keep_alive_ = head.keep_alive;
    has_body_ = head.has_body;
    switch (head.kind) {
      case HeadDecision::Kind::kAbort:
        return Abort();
      case HeadDecision::Kind::kReply:
        return Reply(std::move(head.reply), head.close_after);
      case HeadDecision::Kind::kProceed:
        break;
    }
    if (Router::AuthRequired(*route_, request_.method)) authenticated_ = true;
    if (!has_body_) return RunHandler();
    parser_->body_limit(route_->max_body_bytes);
    if (!body_buf_) {
      body_buf_ = std::make_unique<char[]>(kBodyChunk);
      // Uploads read in large pieces; the parser's header_limit still bounds heads.
      // (Beast reads at most the buffer's free capacity, hence the reserve.)
      buffer_.max_size(core_.limits.max_header_bytes + kReadSlack + kBodyChunk);
      buffer_.reserve(buffer_.max_size());
    }
    Tcp().expires_after(core_.limits.body_timeout);
    auto expect = request_.Header("Expect");
    if (expect && beast::iequals(*expect, "100-continue")) {
      continue_res_.emplace(http::status::continue_, 11);
      return http::async_write(stream_, *continue_res_,
                               [self = Self()](beast::error_code ec, size_t) {
                                 if (ec) return self->Abort();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  void ReadBody() {
    auto& body = parser_->get().body();
    body.data = body_buf_.get();
    body.size = kBodyChunk;
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = Self()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    request_.body_bytes += kBodyChunk - parser_->get().body().size;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) {
      return Reply(HttpResponse::Text(413, "request body too large\n"), true);
    }
    if (ec) return Abort();
    if (!parser_->is_done()) return ReadBody();
    RunHandler();
  }

  void RunHandler() {
    has_body_ = false;  // fully read (or absent): the connection may be reused
    Reply(core_.router.Invoke(*route_, request_), false);
  }

  // Sends `response` (after its delay); `close` ends the connection afterwards,
  // with a lingering close because an unread body may follow.
  void Reply(HttpResponse response, bool close) {
    request_open_ = true;
    if (close) keep_alive_ = false;
    response_ = std::move(response);
    if (response_.delay.count() <= 0) return WriteHead();
    timer_.expires_after(response_.delay);
    timer_.async_wait([self = Self()](beast::error_code ec) {
      if (ec) return self->Abort();
      self->WriteHead();
    });
  }

  void WriteHead() {
    ResponsePlan plan = PlanResponse(response_, request_, core_.extra_headers);
    if (plan.close) keep_alive_ = false;
    res_.emplace(static_cast<http::status>(response_.status), 11);
    for (const auto& [k, v] : plan.headers) res_->insert(k, v);
    res_->keep_alive(keep_alive_);
    res_->body() = std::move(plan.body);
    res_->content_length(plan.content_length);
    stream_limit_ = plan.stream_bytes;
    stream_reset_ = plan.reset;
    stream_sent_ = 0;
    Tcp().expires_after(core_.limits.write_timeout);
    http::async_write(stream_, *res_, [self = Self()](beast::error_code ec, size_t) {
      if (ec) return self->Abort();
      self->OnHeadWritten();
    });
  }

  void OnHeadWritten() {
    const auto& s = response_.stream;
    if (!s || request_.method == "HEAD") return FinishRequest();
    if (s->stall) return Stall();
    WriteStreamChunk();
  }

  void WriteStreamChunk() {
    if (stream_sent_ >= stream_limit_) {
      if (stream_reset_) {
        Record();
        return Abort();
      }
      return FinishRequest();
    }
    const auto& chunk = core_.stream_chunk;
    uint64_t left = stream_limit_ - stream_sent_;
    for (auto& b : chunks_) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
      b = net::const_buffer(chunk.data(), n);
      left -= n;
    }
    Tcp().expires_after(core_.limits.write_timeout);
    net::async_write(stream_, chunks_, [self = Self()](beast::error_code ec, size_t n) {
      self->stream_sent_ += n;
      if (ec) return self->Abort();
      self->WriteStreamChunk();
    });
  }

  // TEST-ONLY stall: headers are out, the body never comes. Hold the connection
  // until the client goes away or write_timeout passes.
  void Stall() {
    Record();
    Tcp().expires_after(core_.limits.write_timeout);
    Tcp().async_read_some(net::buffer(scratch_),
                          [self = Self()](beast::error_code, size_t) { self->Abort(); });
  }

  void FinishRequest() {
    Record();
    if (keep_alive_) return WaitForRequest();
    LingerClose();
  }

  void Record() {
    if (!request_open_) return;
    request_open_ = false;
    if (core_.observer == nullptr) return;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    core_.observer->OnRequest(route_ ? route_->handler_label : kOtherHandlerLabel, response_.status,
                              seconds);
  }

  // Half-closes and reads (and drops) what the client still sends for a moment, so
  // that an early answer (413, 431) reaches it instead of being lost to a RST.
  void LingerClose() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Abort();
    Tcp().expires_after(kDrainTimeout);
    Drain();
  }

  void Drain() {
    Tcp().async_read_some(net::buffer(scratch_), [self = Self()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kMaxDrainBytes) return self->Close(false);
      self->Drain();
    });
  }

  // Abortive close (RST): used after errors, timeouts and the reset_after fault.
  void Abort() { Close(true); }

  void Close(bool reset) {
    beast::error_code ec;
    if (reset) Tcp().socket().set_option(net::socket_base::linger(true, 0), ec);
    Tcp().socket().close(ec);
  }

  ServerCore& core_;
  const std::string ip_;
  uint64_t id_ = 0;                             // the limiter's; 0 until admitted
  std::unique_ptr<net::ssl::context> ssl_ctx_;  // TLS only; must precede stream_
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;  // bounded: head limit plus slack (plus kBodyChunk for uploads)
  std::optional<RequestParser> parser_;
  std::optional<http::response<http::empty_body>> continue_res_;
  std::optional<http::response<http::string_body>> res_;
  std::unique_ptr<char[]> body_buf_;  // allocated for the first request with a body
  std::array<char, 4096> scratch_;
  std::array<net::const_buffer, kChunksPerWrite> chunks_;
  HttpRequest request_;
  const Route* route_ = nullptr;
  HttpResponse response_;
  std::chrono::steady_clock::time_point start_;
  bool keep_alive_ = false;
  bool has_body_ = false;
  bool authenticated_ = false;  // a request on this connection passed auth
  bool request_open_ = false;   // a response is owed to OnRequest
  bool handed_off_ = false;     // ALPN chose h2: StartH2Session took the connection
  uint64_t stream_limit_ = 0;
  uint64_t stream_sent_ = 0;
  bool stream_reset_ = false;  // TEST-ONLY reset_after: RST once stream_limit_ is sent
  size_t drained_ = 0;
};

}  // namespace

void StartSession(ServerCore& core, tcp::socket socket, std::string client_ip, SSL_CTX* tls_ctx) {
  if (tls_ctx != nullptr) {
    std::make_shared<Session<TlsStream>>(core, std::move(client_ip), std::move(socket), tls_ctx)
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(core, std::move(client_ip), std::move(socket),
                                                 nullptr)
        ->Start();
  }
}

}  // namespace hermes::server
