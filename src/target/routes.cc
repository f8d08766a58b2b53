#include "target/routes.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <regex>

#include "common/host_port.h"
#include "common/parse_number.h"
#include "common/version.h"

namespace hermes::target {
namespace {

using server::HttpRequest;
using server::HttpResponse;
using TimePoint = std::chrono::steady_clock::time_point;

constexpr const char* kSmallPath = "/api/v1/small";
constexpr const char* kLargePath = "/api/v1/large";
constexpr const char* kUploadPath = "/api/v1/upload";

std::string ServerTiming(TimePoint start) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "cfRequestDuration;dur=%.3f", ms);
  return buf;
}

// The request headers a page may send (a bearer token; a body's type) and how long
// a browser may cache a preflight's answer.
constexpr const char* kCorsAllowHeaders = "Authorization, Content-Type";
constexpr const char* kCorsMaxAgeSeconds = "600";

// An origin is scheme://host[:port] (RFC 6454), host at most 253 characters; a
// longer Origin is no browser's and never matches, which also bounds the work (and
// the recursion depth of std::regex) a client can make one match cost.
constexpr size_t kMaxOriginBytes = 512;

using OriginPattern = std::shared_ptr<const std::regex>;

// The request's Origin when the pattern allows it.
std::optional<std::string> AllowedOrigin(const OriginPattern& allowed, const HttpRequest& req) {
  auto origin = req.Header("Origin");
  if (!origin || origin->size() > kMaxOriginBytes || !std::regex_match(*origin, *allowed)) {
    return std::nullopt;
  }
  return origin;
}

// The answer to OPTIONS: for an allowed origin, a preflight's permission to use
// `methods` with kCorsAllowHeaders; for another origin, a refusal; without an
// Origin (not a browser's preflight), the methods allowed.
HttpResponse Preflight(const OriginPattern& allowed, const HttpRequest& req,
                       const std::string& methods) {
  // 200, not 204: the listener always sends a Content-Length, which a 204 must not carry.
  HttpResponse r = HttpResponse::Text(200, "");
  r.content_type.clear();
  r.headers.emplace_back("Vary", "Origin");
  if (!req.Header("Origin")) {
    r.headers.emplace_back("Allow", methods + ", OPTIONS");
  } else if (auto origin = AllowedOrigin(allowed, req)) {
    r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    r.headers.emplace_back("Access-Control-Allow-Methods", methods);
    r.headers.emplace_back("Access-Control-Allow-Headers", kCorsAllowHeaders);
    r.headers.emplace_back("Access-Control-Max-Age", kCorsMaxAgeSeconds);
  } else {
    r = HttpResponse::Text(403, "origin not allowed (hermes-target --web.cors.origin)\n");
    r.headers.emplace_back("Vary", "Origin");
  }
  return r;
}

// `handler` for browsers on allowed origins: it answers OPTIONS (see Preflight) and
// lets the page read its answers, their Resource Timing and their Server-Timing.
server::Handler WithCors(OriginPattern allowed, std::string methods, server::Handler handler) {
  return [allowed = std::move(allowed), methods = std::move(methods),
          handler = std::move(handler)](const HttpRequest& req) {
    if (req.method == "OPTIONS") return Preflight(allowed, req, methods);
    HttpResponse r = handler(req);
    r.headers.emplace_back("Vary", "Origin");
    if (auto origin = AllowedOrigin(allowed, req)) {
      r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
      r.headers.emplace_back("Timing-Allow-Origin", *origin);
      r.headers.emplace_back("Access-Control-Expose-Headers", "Server-Timing");
    }
    return r;
  };
}

std::regex CompileOrigin(const std::string& pattern) {
  return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
}

// The TEST-ONLY status fault, when set: the answer to every transfer request.
std::optional<HttpResponse> StatusFault(const TestFaults& f) {
  if (f.status == 0) return std::nullopt;
  HttpResponse r =
      HttpResponse::Text(f.status, "test fault: status " + std::to_string(f.status) + "\n");
  if (f.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(f.retry_after_seconds));
  }
  r.delay = f.response_delay;
  return r;
}

// `bytes` streamed from the listener's shared buffer, with the download faults.
HttpResponse Streamed(const TestFaults& f, uint64_t bytes, TimePoint start) {
  if (auto fault = StatusFault(f)) return *fault;
  HttpResponse r;
  r.delay = f.response_delay;
  server::StreamedBody body;
  body.bytes = bytes;
  body.stall = f.stall;
  body.reset_after = f.reset_after_bytes;
  if (f.short_body) body.declared_length = bytes + 1024;
  r.stream = body;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Server-Timing", ServerTiming(start));
  return r;
}

HttpResponse Down(const RouteOptions& o, const HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  if (auto fault = StatusFault(o.faults)) return *fault;
  const std::optional<uint64_t> bytes =
      ParseNumber<uint64_t>(req.QueryParam("bytes").value_or("0"));
  if (!bytes || *bytes > o.max_bytes_per_request) {
    return HttpResponse::Text(400, "bytes must be an integer from 0 to " +
                                       std::to_string(o.max_bytes_per_request) + "\n");
  }
  return Streamed(o.faults, *bytes, start);
}

// Answers an upload whose body was read and discarded: the byte count.
HttpResponse Up(const TestFaults& f, const HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  if (auto fault = StatusFault(f)) return *fault;
  HttpResponse r = HttpResponse::Text(200, std::to_string(req.body_bytes) + "\n");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Server-Timing", ServerTiming(start));
  r.delay = f.response_delay;
  return r;
}

// host, host:port, [v6]:port; nothing that would need escaping in JSON or a URL.
bool ValidAuthority(std::string_view a) {
  if (a.empty() || a.size() > 255) return false;
  for (char c : a) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

HttpResponse NqConfig(const RouteOptions& o, const HttpRequest& req) {
  if (auto fault = StatusFault(o.faults)) return *fault;
  const std::string host = req.Header("Host").value_or("");
  if (!ValidAuthority(host)) {
    return HttpResponse::Text(400,
                              "a Host (HTTP/2 :authority) of the form host[:port] is "
                              "required to build the test URLs\n");
  }
  const std::string base = std::string(req.tls ? "https://" : "http://") + host;
  auto url = [&](const char* path) { return "\"" + base + path + "\""; };
  std::string json = "{\n  \"version\": 1,\n  \"urls\": {\n";
  json += "    \"small_download_url\": " + url(kSmallPath) + ",\n";
  json += "    \"large_download_url\": " + url(kLargePath) + ",\n";
  json += "    \"upload_url\": " + url(kUploadPath) + ",\n";
  json += "    \"small_https_download_url\": " + url(kSmallPath) + ",\n";
  json += "    \"large_https_download_url\": " + url(kLargePath) + ",\n";
  json += "    \"https_upload_url\": " + url(kUploadPath) + "\n  }";
  if (!o.rpm.test_endpoint.empty()) {
    json += ",\n  \"test_endpoint\": \"" + o.rpm.test_endpoint + "\"";
  }
  json += "\n}\n";
  HttpResponse r = HttpResponse::Text(200, std::move(json));
  r.content_type = "application/json";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::optional<std::string> TestEndpoint(std::string_view host) {
  const auto h = HostAlone(host);
  if (!h) return std::nullopt;
  // Bracketed, so that a client may append ":port".
  return h->find(':') == std::string_view::npos ? std::string(*h) : "[" + std::string(*h) + "]";
}

Status CheckCorsOrigin(const std::string& pattern) {
  try {
    CompileOrigin(pattern);
  } catch (const std::regex_error& e) {
    return Status::Invalid("\"" + pattern + "\" is not a valid regular expression: " + e.what());
  }
  return Status::Ok();
}

std::vector<server::Route> TargetRoutes(const RouteOptions& options) {
  const TestFaults& f = options.faults;
  const bool rpm_auth = !options.rpm.anonymous;
  std::vector<server::Route> routes;
  server::Route down{"/__down", {"GET"},
                     "down",    true,
                     0,         [options](const HttpRequest& r) {
                       return Down(options, r); }};
  server::Route up{
      "/__up", {"POST"}, "up", true, options.max_bytes_per_request, [f](const HttpRequest& r) {
        return Up(f, r);
      }};
  if (!options.cors_origin.empty()) {
    if (!CheckCorsOrigin(options.cors_origin).ok()) std::abort();  // the flags check it
    auto allowed = std::make_shared<const std::regex>(CompileOrigin(options.cors_origin));
    for (server::Route* r : {&down, &up}) {
      r->handler = WithCors(allowed, r->methods.front(), std::move(r->handler));
      r->methods.push_back("OPTIONS");
    }
  }
  routes.push_back(std::move(down));
  routes.push_back(std::move(up));
  routes.push_back(
      {"/.well-known/nq", {"GET"}, "rpm_config", rpm_auth, 0, [options](const HttpRequest& r) {
         return NqConfig(options, r);
       }});
  routes.push_back({kSmallPath, {"GET"}, "rpm_small", rpm_auth, 0, [f](const HttpRequest&) {
                      return Streamed(f, 1, std::chrono::steady_clock::now());
                    }});
  routes.push_back({kLargePath, {"GET"}, "rpm_large", rpm_auth, 0, [f](const HttpRequest&) {
                      return Streamed(f, kRpmLargeBytes, std::chrono::steady_clock::now());
                    }});
  // Any size: a stock client uploads until it has measured, then cancels.
  routes.push_back({kUploadPath,
                    {"POST"},
                    "rpm_upload",
                    rpm_auth,
                    std::numeric_limits<uint64_t>::max(),
                    [f](const HttpRequest& r) { return Up(f, r); }});
  routes.push_back({"/-/healthy", {"GET"}, "healthy", false, 0, [](const HttpRequest&) {
                      return HttpResponse::Text(200, "Healthy.\n");
                    }});
  routes.push_back({"/", {"GET"}, "landing", false, 0, [](const HttpRequest&) {
                      return HttpResponse::Text(
                          200, std::string("hermes-target ") + kVersion +
                                   ": speed-test server. GET /__down?bytes=N, POST /__up; "
                                   "responsiveness (RPM): GET /.well-known/nq\n");
                    }});
  return routes;
}

}  // namespace hermes::target
