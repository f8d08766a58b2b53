// Fuzzes the listener's request path without sockets: bytes from a client go
// through the same Beast parser configuration as server/session.cc (header_limit
// 8 KiB in a flat_buffer of 8 KiB + 4 KiB slack, bounded body reads into a 64 KiB
// buffer_body), then the socket-free decisions the server makes: DecideHead (431,
// 400, at most 64 fields, 501 / 400 for ambiguous framing, Router::Find / CheckHead: 404, 405, 411,
// 413 / CheckAuth with a real Authenticator, bearer token file and bcrypt basic auth: 401 / 429),
// Router::Invoke, and PlanResponse (HEAD, gzip, streamed bodies). Up to 8
// pipelined requests per input.
//
// Input: byte 0 selects the setup (bit 0: bearer token configured, bit 1: basic
// auth user configured, bits 2-3: read size 4096/512/7/1 bytes per read_some);
// the rest is what the client sends. Printable choices: ' ' no auth, '!' bearer,
// '"' basic, '#' both.
//
// Invariants checked (abort on violation):
//   - 404 exactly for unknown paths, and only the head rejections listed above;
//   - no request reaches a route with a Transfer-Encoding other than one
//     "chunked", with two Authorization headers, or (HTTP/1.1) without exactly
//     one Host;
//   - a handler of a route that requires auth runs only with valid credentials,
//     and valid credentials are never answered 401;
//   - 401 carries WWW-Authenticate, 405 carries Allow, 429 carries Retry-After;
//   - observer labels come from the closed sets;
//   - the plan's Content-Length matches the body (HEAD: empty body, same length);
//     gzip bodies inflate back to the original; a stream never sends more bytes
//     than it declares; no header name or value contains CR or LF.
#include <crypt.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "fuzz_check.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/http_server.h"
#include "server/request_head.h"
#include "server/response_plan.h"
#include "server/router.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using namespace hermes::server;
using hermes::AuthFailure;
using hermes::ConnectionRejectReason;

constexpr char kToken[] = "s3cret-token";
constexpr char kUser[] = "prom";
constexpr char kPassword[] = "pw";
constexpr size_t kReadSlack = 4096;       // as session.cc
constexpr size_t kBodyChunk = 64 * 1024;  // as session.cc
constexpr int kMaxRequests = 8;

// A SyncReadStream over the fuzz input, `chunk` bytes per read_some.
class InputStream {
 public:
  InputStream(const uint8_t* data, size_t size, size_t chunk)
      : data_(data), size_(size), chunk_(chunk) {}

  template <class Buffers>
  size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (pos_ == size_) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    const size_t n =
        net::buffer_copy(buffers, net::buffer(data_ + pos_, std::min(chunk_, size_ - pos_)));
    pos_ += n;
    return n;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t chunk_;
  size_t pos_ = 0;
};

class CheckingObserver : public ServerObserver {
 public:
  void OnRequest(const std::string& label, int code, double) override {
    static const char* const kLabels[] = {"metrics", "landing", "healthy", "ready", "status",
                                          "reload",  "trigger", "down",    "up",    "other"};
    FUZZ_CHECK(std::find_if(std::begin(kLabels), std::end(kLabels),
                            [&](const char* l) { return label == l; }) != std::end(kLabels),
               "handler label outside the closed set: %s", label.c_str());
    FUZZ_CHECK(code >= 100 && code <= 599, "status %d", code);
  }
  void OnAuthFailure(AuthFailure f) override {
    FUZZ_CHECK(
        f == AuthFailure::kMissing || f == AuthFailure::kMalformed || f == AuthFailure::kInvalid,
        "auth failure %d", static_cast<int>(f));
  }
  void OnConnectionsChanged(int) override {}
  void OnConnectionRejected(ConnectionRejectReason) override {}
};

uint64_t ParseU64(const std::optional<std::string>& s, uint64_t max) {
  if (!s || s->empty() || s->size() > 19) return 0;
  uint64_t v = 0;
  for (char c : *s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return std::min(v, max);
}

std::string MetricsPage() {
  std::string page;
  for (int i = 0; i < 64; ++i) {
    page += "# HELP hermes_x_" + std::to_string(i) + " Something.\nhermes_x_" + std::to_string(i) +
            "{probe=\"p\"} " + std::to_string(i * 7) + "\n";
  }
  return page;
}

// Routes shaped like the exporter's (app/exporter.cc) and hermes-target's.
std::vector<Route> Routes(bool* handler_ran) {
  auto mark = [handler_ran](HttpResponse r) {
    *handler_ran = true;
    return r;
  };
  std::vector<Route> routes;
  routes.push_back({"/metrics", {"GET"}, "metrics", true, 0, [mark](const HttpRequest&) {
                      HttpResponse r = HttpResponse::Text(200, MetricsPage());
                      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
                      r.compressible = true;
                      return mark(std::move(r));
                    }});
  routes.push_back({"/", {"GET"}, "landing", true, 0, [mark](const HttpRequest&) {
                      return mark(HttpResponse::Text(200, "<html/>"));
                    }});
  routes.push_back({"/-/healthy", {"GET"}, "healthy", false, 0, [mark](const HttpRequest&) {
                      return mark(HttpResponse::Text(200, "Healthy.\n"));
                    }});
  routes.push_back({"/-/ready", {"GET"}, "ready", false, 0, [mark](const HttpRequest&) {
                      return mark(HttpResponse::Text(200, "Ready.\n"));
                    }});
  routes.push_back({"/-/status", {"GET"}, "status", true, 0, [mark](const HttpRequest&) {
                      return mark(HttpResponse::Text(200, "{}"));
                    }});
  routes.push_back({"/-/reload", {"POST"}, "reload", true, 0, [mark](const HttpRequest&) {
                      return mark(HttpResponse::Text(200, "Reloaded.\n"));
                    }});
  routes.push_back({"/-/trigger", {"POST"}, "trigger", true, 0, [mark](const HttpRequest& req) {
                      auto name = req.QueryParam("probe");
                      if (!name) return mark(HttpResponse::Text(400, "missing probe\n"));
                      if (*name == "throw") throw std::runtime_error("handler failure");
                      return mark(HttpResponse::Text(202, "started\n"));
                    }});
  // hermes-target style: streamed download with the test-only fault knobs, and an
  // upload sink that accepts a bounded body.
  routes.push_back({"/__down", {"GET"}, "down", true, 0, [mark](const HttpRequest& req) {
                      HttpResponse r;
                      StreamedBody s;
                      s.bytes = ParseU64(req.QueryParam("bytes"), 1ull << 40);
                      if (auto d = req.QueryParam("declared"))
                        s.declared_length = ParseU64(d, UINT64_MAX);
                      if (auto x = req.QueryParam("reset")) s.reset_after = ParseU64(x, UINT64_MAX);
                      s.stall = req.QueryParam("stall").has_value();
                      r.stream = s;
                      return mark(std::move(r));
                    }});
  routes.push_back({"/__up", {"POST"}, "up", true, 100000, [mark](const HttpRequest& req) {
                      return mark(HttpResponse::Text(200, std::to_string(req.body_bytes)));
                    }});
  return routes;
}

struct Setup {
  hermes::FakeClock clock;
  CheckingObserver observer;
  bool handler_ran = false;
  std::string dir;
  // Index: bit 0 bearer, bit 1 basic. [0] is unused (no auth).
  std::unique_ptr<Authenticator> auth[4];
  std::unique_ptr<Router> router[4];
  ServerLimits limits;
  std::map<std::string, std::string> extra_headers{{"X-Content-Type-Options", "nosniff"}};
};

std::string BcryptHash(const char* password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  FUZZ_CHECK(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting) != nullptr,
             "gensalt");
  crypt_data data{};
  const char* out = crypt_r(password, setting, &data);
  FUZZ_CHECK(out != nullptr && out[0] == '$', "crypt_r");
  return out;
}

Setup& TheSetup() {
  static Setup* setup = [] {
    auto* s = new Setup;
    char tmpl[] = "/tmp/hermes-fuzz-XXXXXX";
    FUZZ_CHECK(mkdtemp(tmpl) != nullptr, "mkdtemp");
    s->dir = tmpl;
    const std::string token_file = s->dir + "/token";
    std::ofstream(token_file) << kToken << "\n";
    const std::string hash = BcryptHash(kPassword);
    for (int mode = 0; mode < 4; ++mode) {
      ServerOptions options;
      AuthOptions ao;
      ao.max_failures = 3;  // reach 429 within one input
      if (mode & 1) ao.bearer_token_files.push_back(token_file);
      if (mode & 2) {
        ao.basic_auth_users[kUser] = hash;
        options.web.basic_auth_users[kUser] = hash;
      }
      if (mode != 0) {
        auto a = Authenticator::Create(ao, s->clock);
        FUZZ_CHECK(a.ok(), "Authenticator::Create: %s", a.status().message().c_str());
        s->auth[mode] = std::move(*a);
      }
      s->router[mode] = std::make_unique<Router>(Routes(&s->handler_ran), s->auth[mode].get(),
                                                 &s->observer, options);
    }
    std::remove(token_file.c_str());  // read at Create; the stat throttle keeps it cached
    return s;
  }();
  return *setup;
}

// Lenient decoder for the oracle: accepts at least everything a strict one does.
std::string DecodeBase64Lenient(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+'             ? 62
            : c == '/'             ? 63
                                   : -1;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// RFC 4648 base64 with padding: whole quads, '=' only as the last one or two.
bool WellFormedBase64(std::string_view c) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (c.empty() || c.size() % 4 != 0) return false;
  const size_t pad = std::min(c.find('='), c.size());
  if (c.size() - pad > 2 || c.find_first_not_of('=', pad) != std::string_view::npos) return false;
  return c.substr(0, pad).find_first_not_of(kAlphabet) == std::string_view::npos;
}

// Would any reasonable reading of this Authorization header present the
// configured credentials? Generous by default (it is used to prove a bypass);
// `strict` accepts only well-formed base64, as a server must (used to prove that
// valid credentials are never refused).
bool CredentialsValid(std::string_view h, int mode, bool strict = false) {
  while (!h.empty() && static_cast<unsigned char>(h.front()) <= ' ') h.remove_prefix(1);
  while (!h.empty() && static_cast<unsigned char>(h.back()) <= ' ') h.remove_suffix(1);
  const size_t sp = h.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string scheme(h.substr(0, sp));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view cred = h.substr(sp);
  while (!cred.empty() && cred.front() == ' ') cred.remove_prefix(1);
  if ((mode & 1) && scheme == "bearer" && cred == kToken) return true;
  if ((mode & 2) && scheme == "basic") {
    if (strict && !WellFormedBase64(cred)) return false;
    return DecodeBase64Lenient(cred) == std::string(kUser) + ":" + kPassword;
  }
  return false;
}

bool HasHeader(const HttpResponse& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return h.first == name; });
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  FUZZ_CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK, "inflateInit2");
  std::string out;
  char buf[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  FUZZ_CHECK(rc == Z_STREAM_END, "gzip body does not inflate: %d", rc);
  return out;
}

size_t CountHeader(const HttpRequest& r, std::string_view name) {
  return std::count_if(r.headers.begin(), r.headers.end(), [&](const auto& h) {
    return h.first.size() == name.size() &&
           strncasecmp(h.first.data(), name.data(), name.size()) == 0;
  });
}

// The head rejections DecideHead may give, each with the headers it promises.
void CheckHeadDecision(const HeadDecision& head, int mode, unsigned version) {
  if (head.kind == HeadDecision::Kind::kProceed) {
    FUZZ_CHECK(head.route != nullptr, "no route but no 404");
    // RFC 9112: only an unambiguous head reaches a route.
    const HttpRequest& q = head.request;
    const size_t codings = CountHeader(q, "Transfer-Encoding");
    FUZZ_CHECK(codings == 0 || (codings == 1 &&
                                strcasecmp(q.Header("Transfer-Encoding")->c_str(), "chunked") == 0),
               "Transfer-Encoding %s proceeded", q.Header("Transfer-Encoding")->c_str());
    FUZZ_CHECK(CountHeader(q, "Host") == 1 || (version < 11 && CountHeader(q, "Host") == 0),
               "HTTP/%u.%u with %zu Host headers proceeded", version / 10, version % 10,
               CountHeader(q, "Host"));
    FUZZ_CHECK(CountHeader(q, "Authorization") <= 1, "two Authorization headers proceeded");
    return;
  }
  const HttpResponse& r = head.reply;
  switch (r.status) {
    case 400:  // malformed head, no or two Host, two Authorization
    case 431:  // head too large, too many fields
    case 501:  // a transfer coding other than chunked
      FUZZ_CHECK(head.close_after, "%d without close", r.status);
      return;
    case 404:
      FUZZ_CHECK(head.route == nullptr, "404 for a known route");
      break;
    case 405:
      FUZZ_CHECK(HasHeader(r, "Allow"), "405 without Allow");
      break;
    case 411:
    case 413:
      break;
    case 401:
      FUZZ_CHECK(HasHeader(r, "WWW-Authenticate"), "401 without WWW-Authenticate");
      FUZZ_CHECK(!CredentialsValid(head.request.Header("Authorization").value_or(""), mode,
                                   /*strict=*/true),
                 "valid credentials answered 401");
      break;
    case 429:
      FUZZ_CHECK(HasHeader(r, "Retry-After"), "429 without Retry-After");
      break;
    default:
      FUZZ_CHECK(false, "head rejection %d", r.status);
  }
  FUZZ_CHECK(r.status == 404 || head.route != nullptr, "no route but no 404");
  FUZZ_CHECK(head.close_after == head.has_body, "close after %d: %d, body: %d", r.status,
             head.close_after, head.has_body);
}

void CheckPlan(const HttpResponse& before, HttpResponse after_move, const HttpRequest& req,
               const Setup& s) {
  const std::string original = before.body;
  HttpResponse response = std::move(after_move);
  ResponsePlan plan = PlanResponse(response, req, s.extra_headers);
  for (const auto& [k, v] : plan.headers) {
    FUZZ_CHECK(k.find_first_of("\r\n") == std::string::npos &&
                   v.find_first_of("\r\n") == std::string::npos,
               "CR/LF in response header %s", k.c_str());
  }
  const bool head = req.method == "HEAD";
  if (before.stream) {
    FUZZ_CHECK(plan.body.empty(), "streamed response with a body");
    FUZZ_CHECK(plan.stream_bytes <= plan.content_length,
               "stream sends %llu bytes but declares %llu", (unsigned long long)plan.stream_bytes,
               (unsigned long long)plan.content_length);
    return;
  }
  const bool gzip = std::any_of(plan.headers.begin(), plan.headers.end(), [](const auto& h) {
    return h.first == "Content-Encoding" && h.second == "gzip";
  });
  if (head) {
    FUZZ_CHECK(plan.body.empty(), "HEAD response with a body");
    if (!gzip) FUZZ_CHECK(plan.content_length == original.size(), "HEAD Content-Length");
    return;
  }
  FUZZ_CHECK(plan.content_length == plan.body.size(), "Content-Length %llu, body %zu",
             (unsigned long long)plan.content_length, plan.body.size());
  if (gzip) {
    FUZZ_CHECK(before.compressible, "gzip on a non-compressible response");
    FUZZ_CHECK(Gunzip(plan.body) == original, "gzip round trip differs");
  } else {
    FUZZ_CHECK(plan.body == original, "body changed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Setup& s = TheSetup();
  static uint64_t client_counter = 0;
  ++client_counter;  // a fresh client per input: rate-limit state never leaks between inputs
  const std::string client_ip = "10." + std::to_string((client_counter >> 16) & 255) + "." +
                                std::to_string((client_counter >> 8) & 255) + "." +
                                std::to_string(client_counter & 255);
  const int mode = data[0] & 3;
  static const size_t kChunks[] = {4096, 512, 7, 1};
  InputStream stream(data + 1, size - 1, kChunks[(data[0] >> 2) & 3]);
  const Router& router = *s.router[mode];

  // Bounded like session.cc: head limit plus a little slack.
  beast::flat_buffer buffer(s.limits.max_header_bytes + kReadSlack);
  std::unique_ptr<char[]> body_buf;
  for (int n = 0; n < kMaxRequests; ++n) {
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(s.limits.max_header_bytes));
    parser.body_limit(boost::none);
    beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    FUZZ_CHECK(buffer.size() <= s.limits.max_header_bytes + kReadSlack, "buffer grew to %zu",
               buffer.size());
    HeadDecision head = DecideHead(parser, ec, s.limits, router, client_ip, /*tls=*/false);
    if (head.kind == HeadDecision::Kind::kAbort) return 0;  // nothing more to read
    CheckHeadDecision(head, mode, ec ? 11 : parser.get().version());
    HttpRequest& request = head.request;
    const Route* route = head.route;
    const bool has_body = head.has_body;
    std::optional<HttpResponse> response;
    if (head.kind == HeadDecision::Kind::kReply) response = std::move(head.reply);
    if (!response && has_body) {
      parser.body_limit(route->max_body_bytes);
      if (!body_buf) body_buf = std::make_unique<char[]>(kBodyChunk);
      while (!parser.is_done()) {
        auto& body = parser.get().body();
        body.data = body_buf.get();
        body.size = kBodyChunk;
        http::read_some(stream, buffer, parser, ec);
        request.body_bytes += kBodyChunk - parser.get().body().size;
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
      }
      if (ec == http::error::body_limit) {
        response = HttpResponse::Text(413, "request body too large\n");
      } else if (ec) {
        return 0;  // the client went away mid-body
      }
      FUZZ_CHECK(request.body_bytes <= route->max_body_bytes, "read %llu body bytes, limit %llu",
                 (unsigned long long)request.body_bytes, (unsigned long long)route->max_body_bytes);
    }
    if (!response) {
      s.handler_ran = false;
      response = router.Invoke(*route, request);
      const bool protected_route = route->requires_auth && mode != 0;
      if (protected_route && s.handler_ran) {
        FUZZ_CHECK(CredentialsValid(request.Header("Authorization").value_or(""), mode),
                   "handler of %s ran without valid credentials (Authorization: %s)",
                   route->path.c_str(), request.Header("Authorization").value_or("<none>").c_str());
      }
    }
    s.observer.OnRequest(route ? route->handler_label : kOtherHandlerLabel, response->status, 0);
    static const bool verbose = std::getenv("HERMES_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
      std::fprintf(stderr, "  mode %d: %s %s -> %d\n", mode, request.method.c_str(),
                   std::string(parser.get().target()).c_str(), response->status);
    }
    HttpResponse copy = *response;
    CheckPlan(*response, std::move(copy), request, s);
    // session.cc closes after a rejected request with an unread body.
    if (head.close_after || !head.keep_alive || (has_body && !parser.is_done())) return 0;
  }
  return 0;
}
