// The HTTP request/response values that the listener hands to route handlers.
// Handlers never see sockets; the listener never knows what a route does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hermes::server {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string path;    // target without the query string, e.g. "/metrics"
  std::string query;   // raw query string without '?', e.g. "probe=x"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string client_ip;
  uint64_t body_bytes = 0;  // bytes of request body read and discarded (routes that accept bodies)
  bool tls = false;

  // Case-insensitive header lookup; nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const;
  // Value of a query parameter (percent-decoded); nullopt when absent.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

// A body the listener generates and streams in chunks instead of holding it in
// memory (hermes-target's /__down). Test-only faults are clearly marked.
struct StreamedBody {
  uint64_t bytes = 0;
  // TEST-ONLY fault knobs (hermes-target --test.* flags):
  std::optional<uint64_t> declared_length;  // send this Content-Length instead of `bytes`
  std::optional<uint64_t> reset_after;      // abort the connection (RST) after this many bytes
  bool stall = false;                       // send headers, then never send the body
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<StreamedBody> stream;  // when set, `body` is ignored
  std::chrono::milliseconds delay{0};  // wait (asynchronously) before answering
  bool compressible = false;           // gzip when the client accepts it

  static HttpResponse Text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string path;                  // exact match
  std::vector<std::string> methods;  // allowed; HEAD is implied by GET
  std::string handler_label;         // closed set, for hermes_http_* metrics
  // OPTIONS, when listed, never needs auth: it is how a browser asks for CORS
  // permission (a preflight), and a preflight never carries credentials. Its
  // answer must therefore reveal nothing, and it authenticates no connection.
  bool requires_auth = true;
  uint64_t max_body_bytes = 0;  // 0: any body is rejected (411/413)
  Handler handler;
};

}  // namespace hermes::server
