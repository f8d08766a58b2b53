#include "app/metrics_handler.h"

#include <algorithm>

#include "server/negotiation.h"

namespace hermes::app {

metrics::Format NegotiateFormat(std::string_view accept) {
  double proto_q = 0;
  double text_q = 0;
  for (const server::HeaderElement& e : server::ParseHeaderList(accept)) {
    if (e.value == "application/vnd.google.protobuf" &&
        e.Param("proto") == "io.prometheus.client.MetricFamily" &&
        e.Param("encoding") == "delimited") {
      proto_q = std::max(proto_q, e.q);
    } else if (e.value == "text/plain" || e.value == "text/*" || e.value == "*/*") {
      text_q = std::max(text_q, e.q);
    }
  }
  return proto_q > text_q ? metrics::Format::kProtobuf : metrics::Format::kText;
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
