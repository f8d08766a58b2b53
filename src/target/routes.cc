#include "target/routes.h"

#include <cctype>
#include <cstdio>
#include <limits>

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
  char buf[48];
  std::snprintf(buf, sizeof buf, "app;dur=%.3f", ms);
  return buf;
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

bool ValidTestEndpoint(std::string_view host) { return ValidAuthority(host); }

std::vector<server::Route> TargetRoutes(const RouteOptions& options) {
  const TestFaults& f = options.faults;
  const bool rpm_auth = !options.rpm.anonymous;
  std::vector<server::Route> routes;
  routes.push_back({"/__down", {"GET"}, "down", true, 0, [options](const HttpRequest& r) {
                      return Down(options, r);
                    }});
  routes.push_back(
      {"/__up", {"POST"}, "up", true, options.max_bytes_per_request, [f](const HttpRequest& r) {
         return Up(f, r);
       }});
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
