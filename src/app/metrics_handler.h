// The /metrics response: content negotiation (text 0.0.4 or delimited protobuf,
// gzip or identity) over MetricsHub's exposition.
//
// Format: protobuf when the Accept header ranks
// `application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited`
// above every range that matches text (`text/plain`, `text/*`, `*/*`), as Prometheus
// does with native histograms enabled; text otherwise, also for a missing,
// unparsable or unsatisfiable Accept (like client_golang, the text format is the
// fallback rather than a 406).
//
// Thread-safety: stateless; MetricsHub is thread-safe.
#pragma once

#include <string_view>

#include "metrics/metrics_hub.h"
#include "server/http.h"

namespace hermes::app {

metrics::Format NegotiateFormat(std::string_view accept);

// 200 with the exposition; Content-Type per format, Content-Encoding: gzip when
// Accept-Encoding allows it, and Vary: Accept, Accept-Encoding.
server::HttpResponse MetricsResponse(metrics::MetricsHub& hub, const server::HttpRequest& request);

}  // namespace hermes::app
