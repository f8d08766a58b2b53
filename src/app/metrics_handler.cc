#include "app/metrics_handler.h"

#include <algorithm>
#include <array>

#include "server/negotiation.h"

namespace hermes::app {

metrics::Format NegotiateFormat(std::string_view accept) {
  // Each format takes the q of the most specific range that matches it (RFC 9110
  // section 12.5.1): "text/plain;q=0, */*" refuses text whatever */* says.
  enum Range { kExact, kSubtypes, kAll, kRanges };
  std::array<double, kRanges> text{-1, -1, -1}, proto{-1, -1, -1};
  for (const server::HeaderElement& e : server::ParseHeaderList(accept)) {
    if (e.value == "application/vnd.google.protobuf" &&
        e.Param("proto") == "io.prometheus.client.MetricFamily" &&
        e.Param("encoding") == "delimited") {
      proto[kExact] = std::max(proto[kExact], e.q);
    } else if (e.value == "text/plain") {
      text[kExact] = std::max(text[kExact], e.q);
    } else if (e.value == "text/*") {
      text[kSubtypes] = std::max(text[kSubtypes], e.q);
    } else if (e.value == "application/*") {
      proto[kSubtypes] = std::max(proto[kSubtypes], e.q);
    } else if (e.value == "*/*") {
      text[kAll] = proto[kAll] = std::max(text[kAll], e.q);
    }
  }
  const auto q = [](const std::array<double, kRanges>& r) {
    for (double v : r) {
      if (v >= 0) return v;
    }
    return 0.0;
  };
  // A tie keeps the default, text.
  return q(proto) > q(text) ? metrics::Format::kProtobuf : metrics::Format::kText;
}

server::HttpResponse MetricsResponse(metrics::MetricsHub& hub, const server::HttpRequest& request) {
  const metrics::Format format = NegotiateFormat(request.Header("Accept").value_or(""));
  metrics::Exposition e =
      hub.Expose(format, server::AcceptsGzip(request.Header("Accept-Encoding").value_or("")));
  server::HttpResponse r = server::HttpResponse::Text(200, std::move(e.body));
  r.content_type =
      format == metrics::Format::kText ? metrics::kTextContentType : metrics::kProtobufContentType;
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  if (e.gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  return r;
}

}  // namespace hermes::app
