// Value-level tests: Accept-Encoding negotiation, query parsing, response plans.
#include "server/response_plan.h"

#include <gtest/gtest.h>

#include "server/negotiation.h"

namespace hermes::server {
namespace {

TEST(GzipTest, AcceptsGzipHonorsQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=zero"));
  EXPECT_FALSE(AcceptsGzip("br, identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=2"));
  // "*" stands for the codings not named: a named refusal holds.
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));
  EXPECT_FALSE(AcceptsGzip("*;q=0.5, x-gzip;q=0"));
  EXPECT_TRUE(AcceptsGzip("br;q=0, *"));
}

TEST(NegotiationTest, ParsesElementsParametersAndQ) {
  const auto e = ParseHeaderList(
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
      "encoding=delimited;q=0.7, Text/Plain ; Version=0.0.4;q=0.3,,*/*;q=0.2;"
      "x=\"a,b;c\"");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].value, "application/vnd.google.protobuf");
  EXPECT_EQ(e[0].Param("proto"), "io.prometheus.client.MetricFamily");
  EXPECT_EQ(e[0].Param("encoding"), "delimited");
  EXPECT_DOUBLE_EQ(e[0].q, 0.7);
  EXPECT_EQ(e[1].value, "text/plain");
  EXPECT_EQ(e[1].Param("version"), "0.0.4");
  EXPECT_DOUBLE_EQ(e[1].q, 0.3);
  EXPECT_EQ(e[2].value, "*/*");
  EXPECT_EQ(e[2].Param("x"), "a,b;c");
  EXPECT_EQ(e[2].Param("proto"), std::nullopt);
  EXPECT_DOUBLE_EQ(ParseHeaderList("gzip;q=x")[0].q, 0);
  EXPECT_TRUE(ParseHeaderList("").empty());
}

TEST(HttpRequestTest, QueryParamDecodes) {
  HttpRequest r;
  r.query = "a=1&probe=my%20probe&flag&x=a+b";
  EXPECT_EQ(r.QueryParam("probe"), "my probe");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_EQ(r.QueryParam("x"), "a b");
  EXPECT_EQ(r.QueryParam("missing"), std::nullopt);
  r.headers = {{"Accept-Encoding", "gzip"}};
  EXPECT_EQ(r.Header("accept-encoding"), "gzip");
}

TEST(ResponsePlanTest, HeadKeepsLengthAndDropsBody) {
  HttpRequest req;
  req.method = "HEAD";
  HttpResponse res = HttpResponse::Text(200, "hello");
  ResponsePlan p = PlanResponse(res, req, {{"X-A", "1"}});
  EXPECT_EQ(p.content_length, 5u);
  EXPECT_TRUE(p.body.empty());
  EXPECT_EQ(p.headers.front().first, "X-A");
}

TEST(ResponsePlanTest, StreamFaultsCloseTheConnection) {
  HttpRequest req;
  req.method = "GET";
  HttpResponse res;
  res.stream = StreamedBody{1000};
  EXPECT_FALSE(PlanResponse(res, req, {}).close);
  res.stream->reset_after = 100;
  ResponsePlan reset = PlanResponse(res, req, {});
  EXPECT_TRUE(reset.reset && reset.close);
  EXPECT_EQ(reset.stream_bytes, 100u);
  res.stream->reset_after.reset();
  res.stream->declared_length = 10;  // never send more than declared
  ResponsePlan shorter = PlanResponse(res, req, {});
  EXPECT_EQ(shorter.stream_bytes, 10u);
  EXPECT_FALSE(shorter.close);  // exactly the declared bytes: still a valid message
}

}  // namespace
}  // namespace hermes::server
