#include "target/routes.h"

#include <charconv>
#include <cstdio>

#include "common/version.h"

namespace hermes::target {
namespace {

using server::HttpRequest;
using server::HttpResponse;

std::string ServerTiming(std::chrono::steady_clock::time_point start) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "app;dur=%.3f", ms);
  return buf;
}

// Applies the status fault; returns true when the request is answered by it.
bool ApplyStatusFault(const TestFaults& f, HttpResponse& r) {
  if (f.status == 0) return false;
  r = HttpResponse::Text(f.status, "test fault: status " + std::to_string(f.status) + "\n");
  if (f.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(f.retry_after_seconds));
  }
  return true;
}

HttpResponse Down(const RouteOptions& o, const HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse r;
  r.delay = o.faults.response_delay;
  if (ApplyStatusFault(o.faults, r)) return r;
  uint64_t bytes = 0;
  const std::string arg = req.QueryParam("bytes").value_or("0");
  auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), bytes);
  if (ec != std::errc() || p != arg.data() + arg.size() || bytes > o.max_bytes_per_request) {
    r = HttpResponse::Text(400, "bytes must be an integer from 0 to " +
                                    std::to_string(o.max_bytes_per_request) + "\n");
    return r;
  }
  server::StreamedBody body;
  body.bytes = bytes;
  body.stall = o.faults.stall;
  body.reset_after = o.faults.reset_after_bytes;
  if (o.faults.short_body) body.declared_length = bytes + 1024;
  r.stream = body;
  r.content_type = "application/octet-stream";
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Server-Timing", ServerTiming(start));
  return r;
}

HttpResponse Up(const RouteOptions& o, const HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse r;
  if (!ApplyStatusFault(o.faults, r)) {
    r = HttpResponse::Text(200, std::to_string(req.body_bytes) + "\n");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("Server-Timing", ServerTiming(start));
  }
  r.delay = o.faults.response_delay;
  return r;
}

}  // namespace

std::vector<server::Route> TargetRoutes(const RouteOptions& options) {
  std::vector<server::Route> routes;
  routes.push_back({"/__down", {"GET"}, "down", true, 0, [options](const HttpRequest& r) {
                      return Down(options, r);
                    }});
  routes.push_back({"/__up",
                    {"POST"},
                    "up",
                    true,
                    options.max_bytes_per_request,
                    [options](const HttpRequest& r) { return Up(options, r); }});
  routes.push_back({"/-/healthy", {"GET"}, "healthy", false, 0, [](const HttpRequest&) {
                      return HttpResponse::Text(200, "Healthy.\n");
                    }});
  routes.push_back({"/", {"GET"}, "landing", false, 0, [](const HttpRequest&) {
                      HttpResponse r = HttpResponse::Text(
                          200, std::string("hermes-target ") + kVersion +
                                   ": speed-test server. GET /__down?bytes=N, POST /__up\n");
                      return r;
                    }});
  return routes;
}

}  // namespace hermes::target
