#include "server/router.h"

#include <algorithm>
#include <exception>

namespace hermes::server {
namespace {

bool Allows(const Route& route, std::string_view method) {
  auto has = [&](std::string_view m) {
    return std::find(route.methods.begin(), route.methods.end(), m) != route.methods.end();
  };
  return has(method) || (method == "HEAD" && has("GET"));
}

std::string AllowHeader(const Route& route) {
  std::vector<std::string> methods = route.methods;
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end() &&
      std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
    methods.push_back("HEAD");
  }
  std::string out;
  for (const auto& m : methods) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace

Router::Router(std::vector<Route> routes, Authenticator* auth, ServerObserver* observer,
               const ServerOptions& options)
    : routes_(std::move(routes)),
      auth_(auth),
      observer_(observer),
      retry_after_(std::to_string(options.auth_retry_after.count())) {
  www_authenticate_.push_back("Bearer realm=\"" + options.realm + "\"");
  if (!options.web.basic_auth_users.empty()) {
    www_authenticate_.push_back("Basic realm=\"" + options.realm + "\", charset=\"UTF-8\"");
  }
  const config::RateLimitConfig& rl = options.web.rate_limit;
  if (rl.interval.count() > 0) {
    rate_limit_ =
        std::make_unique<TokenBucket>(rl.interval, rl.burst, std::chrono::steady_clock::now());
    auto seconds = std::chrono::ceil<std::chrono::seconds>(rl.interval).count();
    rate_retry_after_ = std::to_string(std::max<long long>(1, seconds));
  }
}

std::optional<HttpResponse> Router::CheckRate(const Route& route) const {
  if (!rate_limit_ || !route.requires_auth) return std::nullopt;
  if (rate_limit_->Allow(std::chrono::steady_clock::now())) return std::nullopt;
  HttpResponse r = HttpResponse::Text(429, "too many requests (rate_limit)\n");
  r.headers.emplace_back("Retry-After", rate_retry_after_);
  return r;
}

const Route* Router::Find(std::string_view path) const {
  for (const auto& r : routes_) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

std::optional<HttpResponse> Router::CheckHead(const Route* route, std::string_view method,
                                              std::optional<uint64_t> content_length,
                                              bool chunked) const {
  if (route == nullptr) return HttpResponse::Text(404, "not found\n");
  if (!Allows(*route, method)) {
    HttpResponse r = HttpResponse::Text(405, "method not allowed\n");
    r.headers.emplace_back("Allow", AllowHeader(*route));
    return r;
  }
  if (route->max_body_bytes == 0) {
    if (chunked) return HttpResponse::Text(411, "request bodies are not accepted here\n");
    if (content_length.value_or(0) > 0) {
      return HttpResponse::Text(413, "request bodies are not accepted here\n");
    }
  } else if (content_length.value_or(0) > route->max_body_bytes) {
    return HttpResponse::Text(413, "request body too large\n");
  }
  return std::nullopt;
}

bool Router::AuthRequired(const Route& route, std::string_view method) {
  return route.requires_auth && method != "OPTIONS";
}

std::optional<HttpResponse> Router::CheckAuth(const Route& route,
                                              const HttpRequest& request) const {
  if (!AuthRequired(route, request.method) || auth_ == nullptr || !auth_->Enabled()) {
    return std::nullopt;
  }
  AuthDecision d = auth_->Check(request.Header("Authorization").value_or(""), request.client_ip);
  AuthFailure failure;
  switch (d) {
    case AuthDecision::kOk:
      return std::nullopt;
    case AuthDecision::kRateLimited: {
      HttpResponse r = HttpResponse::Text(429, "too many failed authentication attempts\n");
      r.headers.emplace_back("Retry-After", retry_after_);
      return r;
    }
    case AuthDecision::kMissing:
      failure = AuthFailure::kMissing;
      break;
    case AuthDecision::kMalformed:
      failure = AuthFailure::kMalformed;
      break;
    default:
      failure = AuthFailure::kInvalid;
      break;
  }
  if (observer_ != nullptr) observer_->OnAuthFailure(failure);
  HttpResponse r = HttpResponse::Text(401, "unauthorized\n");
  for (const auto& v : www_authenticate_) r.headers.emplace_back("WWW-Authenticate", v);
  return r;
}

HttpResponse Router::Invoke(const Route& route, const HttpRequest& request) const {
  if (!route.handler) return HttpResponse::Text(500, "no handler\n");
  try {
    return route.handler(request);
  } catch (const std::exception&) {
    return HttpResponse::Text(500, "internal error\n");
  } catch (...) {
    return HttpResponse::Text(500, "internal error\n");
  }
}

}  // namespace hermes::server
