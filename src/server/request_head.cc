#include "server/request_head.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

namespace hermes::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

HttpRequest FillRequest(const RequestParser::value_type& head, const std::string& client_ip,
                        bool tls) {
  HttpRequest request;
  request.method = std::string(head.method_string());
  std::string_view target = head.target();
  size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  for (const auto& f : head) {
    request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  request.client_ip = client_ip;
  request.tls = tls;
  return request;
}

// RFC 9112 rules on fields whose absence or repetition makes the request
// ambiguous, checked before anything else looks at the head. Transfer-Encoding:
// hermes decodes only "chunked", once; Beast ignores other codings (the body would
// then be read as the next request), so they are 501 as in Go's net/http (section
// 6.1). Host: exactly one in HTTP/1.1 (section 3.2). Authorization: two values
// would leave it to chance which one is checked.
std::optional<HttpResponse> CheckFraming(const RequestParser::value_type& head) {
  int hosts = 0, authorizations = 0, codings = 0;
  bool only_chunked = true;
  for (const auto& f : head) {
    if (f.name() == http::field::host) ++hosts;
    if (f.name() == http::field::authorization) ++authorizations;
    if (f.name() == http::field::transfer_encoding) {
      ++codings;
      only_chunked = only_chunked && beast::iequals(f.value(), "chunked");
    }
  }
  if (codings > 1 || !only_chunked) {
    return HttpResponse::Text(501, "unsupported transfer coding: only chunked is accepted\n");
  }
  if (hosts > 1 || (hosts == 0 && head.version() >= 11)) {
    return HttpResponse::Text(400, "an HTTP/1.1 request needs exactly one Host header\n");
  }
  if (authorizations > 1) return HttpResponse::Text(400, "more than one Authorization header\n");
  return std::nullopt;
}

}  // namespace

HeadDecision DecideHead(const RequestParser& parser, beast::error_code ec,
                        const ServerLimits& limits, const Router& router,
                        const std::string& client_ip, bool tls) {
  HeadDecision d;
  d.request.client_ip = client_ip;
  auto answer = [&d](HttpResponse reply, bool close) {
    d.kind = HeadDecision::Kind::kReply;
    d.reply = std::move(reply);
    d.close_after = close;
    return std::move(d);
  };
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return answer(HttpResponse::Text(431, "request header fields too large\n"), true);
  }
  if (ec) {
    bool parse_error = ec.category() == beast::error_code(http::error::bad_target).category() &&
                       ec != http::error::end_of_stream && ec != http::error::partial_message;
    // Closed, timed out (head deadline) or an I/O error: nobody to answer.
    if (!parse_error) return d;
    return answer(HttpResponse::Text(400, "malformed request\n"), true);
  }
  const auto& head = parser.get();
  size_t fields = std::distance(head.begin(), head.end());
  if (fields > static_cast<size_t>(limits.max_headers)) {
    return answer(HttpResponse::Text(431, "too many request header fields\n"), true);
  }
  d.request = FillRequest(head, client_ip, tls);
  d.keep_alive = head.keep_alive();
  d.route = router.Find(d.request.path);
  if (auto reject = CheckFraming(head)) return answer(std::move(*reject), true);
  bool chunked = parser.chunked();
  std::optional<uint64_t> length;
  if (auto cl = parser.content_length()) length = *cl;
  d.has_body = chunked || length.value_or(0) > 0;
  if (auto reject = router.CheckHead(d.route, d.request.method, length, chunked)) {
    return answer(std::move(*reject), d.has_body);
  }
  if (auto reject = router.CheckRate(*d.route)) return answer(std::move(*reject), d.has_body);
  if (auto reject = router.CheckAuth(*d.route, d.request)) {
    return answer(std::move(*reject), d.has_body);
  }
  d.kind = HeadDecision::Kind::kProceed;
  return d;
}

}  // namespace hermes::server
