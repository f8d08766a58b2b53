// Router: route lookup and every decision the listener takes from a request head
// alone, before a handler runs: 404, 405 (with Allow), body rules (411/413) and
// the web config's rate_limit (429) and authentication (401 with WWW-Authenticate,
// 429). No sockets here, so these rules are testable from values.
//
// Thread-safety: immutable after construction except for the Authenticator,
// observer and rate-limit bucket it uses, which are themselves thread-safe; all methods may be
// called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/auth.h"
#include "server/http.h"
#include "server/http_server.h"
#include "server/token_bucket.h"

namespace hermes::server {

// The label for requests that match no route.
inline constexpr const char* kOtherHandlerLabel = "other";

class Router {
 public:
  // `auth` and `observer` are nullable and must outlive the router.
  Router(std::vector<Route> routes, Authenticator* auth, ServerObserver* observer,
         const ServerOptions& options);

  // Exact path match; nullptr when no route has `path`.
  const Route* Find(std::string_view path) const;

  // 404 / 405 / 411 / 413 from the head: returns the response to send instead of
  // running the route, or nullopt to go on. `content_length` is the declared body
  // length, `chunked` whether Transfer-Encoding: chunked was sent.
  std::optional<HttpResponse> CheckHead(const Route* route, std::string_view method,
                                        std::optional<uint64_t> content_length, bool chunked) const;

  // 429 when the web config's rate_limit is on and its bucket is empty; applies to
  // routes that require auth (every route but the health checks), before auth.
  std::optional<HttpResponse> CheckRate(const Route& route) const;

  // Whether `method` on `route` needs credentials (not OPTIONS: see Route).
  static bool AuthRequired(const Route& route, std::string_view method);

  // 401 / 429 when AuthRequired() and the request does not pass auth.
  std::optional<HttpResponse> CheckAuth(const Route& route, const HttpRequest& request) const;

  // Runs the handler; an exception or missing handler becomes a 500.
  HttpResponse Invoke(const Route& route, const HttpRequest& request) const;

 private:
  std::vector<Route> routes_;
  Authenticator* auth_;
  ServerObserver* observer_;
  std::vector<std::string> www_authenticate_;
  std::string retry_after_;
  std::unique_ptr<TokenBucket> rate_limit_;  // null: off; thread-safe by itself
  std::string rate_retry_after_;
};

}  // namespace hermes::server
