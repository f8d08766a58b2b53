#include "server/response_plan.h"

#include <algorithm>

#include "common/gzip.h"
#include "server/negotiation.h"

namespace hermes::server {

ResponsePlan PlanResponse(HttpResponse& response, const HttpRequest& request,
                          const std::map<std::string, std::string>& extra_headers) {
  ResponsePlan plan;
  for (const auto& h : extra_headers) plan.headers.push_back(h);
  for (const auto& h : response.headers) plan.headers.push_back(h);
  if (!response.content_type.empty()) {
    plan.headers.emplace_back("Content-Type", response.content_type);
  }
  const bool head = request.method == "HEAD";
  if (response.stream) {
    const StreamedBody& s = *response.stream;
    plan.content_length = s.declared_length.value_or(s.bytes);
    // Never send more than declared: extra bytes would corrupt the next response.
    uint64_t sendable = std::min(s.bytes, plan.content_length);
    plan.reset = s.reset_after.has_value() && *s.reset_after < sendable;
    plan.stream_bytes = plan.reset ? *s.reset_after : sendable;
    plan.close = !head && (plan.reset || s.stall || sendable != plan.content_length);
    return plan;
  }
  plan.body = std::move(response.body);
  if (response.compressible) {
    plan.headers.emplace_back("Vary", "Accept-Encoding");
    if (AcceptsGzip(request.Header("Accept-Encoding").value_or(""))) {
      auto gz = GzipCompress(plan.body);
      if (gz.ok()) {
        plan.body = std::move(*gz);
        plan.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
  }
  plan.content_length = plan.body.size();
  if (head) plan.body.clear();
  return plan;
}

}  // namespace hermes::server
