// /metrics content negotiation: format from Accept, gzip from Accept-Encoding.
#include "app/metrics_handler.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace hermes::app {
namespace {

using metrics::Format;

// What Prometheus 2.42 sends with and without --enable-feature=native-histograms.
constexpr char kPrometheusNative[] =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;"
    "q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
constexpr char kPrometheusText[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

TEST(MetricsHandlerTest, NegotiatesTheFormat) {
  EXPECT_EQ(NegotiateFormat(kPrometheusNative), Format::kProtobuf);
  EXPECT_EQ(NegotiateFormat(kPrometheusText), Format::kText);
  EXPECT_EQ(NegotiateFormat(""), Format::kText);
  EXPECT_EQ(NegotiateFormat("*/*"), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/json"), Format::kText);  // fallback, not 406
  EXPECT_EQ(NegotiateFormat("garbage;;;=,"), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/vnd.google.protobuf;proto=io.prometheus.client."
                            "MetricFamily;encoding=delimited"),
            Format::kProtobuf);
  // The other protobuf encodings (text, compact-text) are not offered.
  EXPECT_EQ(NegotiateFormat("application/vnd.google.protobuf;proto=io.prometheus.client."
                            "MetricFamily;encoding=text"),
            Format::kText);
  // A tie keeps the default; q=0 refuses.
  EXPECT_EQ(NegotiateFormat("application/vnd.google.protobuf;proto=io.prometheus.client."
                            "MetricFamily;encoding=delimited,text/plain"),
            Format::kText);
  EXPECT_EQ(NegotiateFormat("application/vnd.google.protobuf;proto=io.prometheus.client."
                            "MetricFamily;encoding=delimited;q=0,text/plain;q=0.1"),
            Format::kText);
  // The most specific range decides: text/plain;q=0 refuses text whatever */* says.
  EXPECT_EQ(NegotiateFormat("text/plain;q=0, */*;q=0.5, application/vnd.google.protobuf;"
                            "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.3"),
            Format::kProtobuf);
  EXPECT_EQ(NegotiateFormat("text/*;q=0.2, */*;q=0.9, application/vnd.google.protobuf;"
                            "proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.3"),
            Format::kProtobuf);
  EXPECT_EQ(NegotiateFormat("text/plain;q=0, application/*;q=0.4"), Format::kProtobuf);
}

TEST(MetricsHandlerTest, HeadersFollowTheNegotiation) {
  FakeClock clock;
  metrics::MetricsHub hub(clock);
  hub.Apply(std::make_shared<const config::Config>());
  server::HttpRequest req;
  server::HttpResponse r = MetricsResponse(hub, req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, metrics::kTextContentType);
  EXPECT_FALSE(r.compressible);  // the hub compresses; the listener must not again
  EXPECT_NE(r.body.find("# TYPE hermes_build_info gauge"), std::string::npos);
  auto has = [&](const char* name, const char* value) {
    for (const auto& [k, v] : r.headers) {
      if (k == name && v == value) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("Vary", "Accept, Accept-Encoding"));
  EXPECT_FALSE(has("Content-Encoding", "gzip"));

  req.headers = {{"Accept", kPrometheusNative}, {"Accept-Encoding", "gzip"}};
  r = MetricsResponse(hub, req);
  EXPECT_EQ(r.content_type, metrics::kProtobufContentType);
  EXPECT_TRUE(has("Content-Encoding", "gzip"));
  EXPECT_EQ(r.body.substr(0, 2), "\x1f\x8b");
}

}  // namespace
}  // namespace hermes::app
