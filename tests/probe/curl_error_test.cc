#include "net/curl_error.h"

#include <gtest/gtest.h>

namespace hermes::net {
namespace {

constexpr auto kNow = WallTime(std::chrono::seconds(1'445'412'480));  // 2015-10-21 07:28:00Z

TEST(CurlErrorTest, ServerTimingVariants) {
  EXPECT_DOUBLE_EQ(*ParseServerTimingSeconds("cfRequestDuration;dur=12.3"), 0.0123);
  EXPECT_DOUBLE_EQ(*ParseServerTimingSeconds("app;dur=0.05"), 0.00005);
  EXPECT_DOUBLE_EQ(*ParseServerTimingSeconds("miss, db;dur=53, app;dur=47.2"), 0.053);
  EXPECT_DOUBLE_EQ(*ParseServerTimingSeconds("cache;desc=\"Cache Read\";dur=23.2"), 0.0232);
  EXPECT_DOUBLE_EQ(*ParseServerTimingSeconds("total; DUR = \"7\""), 0.007);
  EXPECT_DOUBLE_EQ(
      *ParseServerTimingSeconds("cfL4;desc=\"?proto=TCP&rtt=1\", cfRequestDuration;dur=4"), 0.004);
}

TEST(CurlErrorTest, ServerTimingWithoutValidDurIsAbsent) {
  EXPECT_FALSE(ParseServerTimingSeconds("").has_value());
  EXPECT_FALSE(ParseServerTimingSeconds("miss").has_value());
  EXPECT_FALSE(ParseServerTimingSeconds("app;dur=abc").has_value());
  EXPECT_FALSE(ParseServerTimingSeconds("app;dur=-3").has_value());
  EXPECT_FALSE(ParseServerTimingSeconds("cfL4;desc=\"?proto=TCP&rtt=1\"").has_value());
  EXPECT_FALSE(ParseServerTimingSeconds("dur=5").has_value());  // a metric name, no params
}

TEST(CurlErrorTest, RetryAfterDeltaSecondsAndHttpDates) {
  EXPECT_EQ(*ParseRetryAfter("7", kNow), std::chrono::seconds(7));
  EXPECT_EQ(*ParseRetryAfter(" 120 ", kNow), std::chrono::seconds(120));
  EXPECT_EQ(*ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", kNow), std::chrono::seconds(30));
  EXPECT_EQ(*ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", kNow), std::chrono::seconds(60));
  EXPECT_EQ(*ParseRetryAfter("Wed Oct 21 07:28:10 2015", kNow), std::chrono::seconds(10));
  EXPECT_EQ(*ParseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", kNow), Duration::zero());
  EXPECT_FALSE(ParseRetryAfter("", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", kNow).has_value());
  EXPECT_FALSE(ParseRetryAfter("-5", kNow).has_value());
}

TEST(CurlErrorTest, HttpStatusClassification) {
  EXPECT_FALSE(ClassifyHttpStatus(200, "", kNow).has_value());
  EXPECT_FALSE(ClassifyHttpStatus(302, "", kNow).has_value());
  EXPECT_EQ(ClassifyHttpStatus(500, "", kNow)->reason, FailureReason::kHttpStatus);
  EXPECT_EQ(ClassifyHttpStatus(503, "", kNow)->reason, FailureReason::kHttpStatus);
  EXPECT_EQ(ClassifyHttpStatus(429, "", kNow)->reason, FailureReason::kHttpStatus);
  EXPECT_EQ(ClassifyHttpStatus(404, "7", kNow)->reason, FailureReason::kHttpStatus);
  auto limited = ClassifyHttpStatus(429, "7", kNow);
  EXPECT_EQ(limited->reason, FailureReason::kRateLimited);
  EXPECT_EQ(*limited->retry_after, std::chrono::seconds(7));
  EXPECT_EQ(ClassifyHttpStatus(503, "Wed, 21 Oct 2015 07:28:05 GMT", kNow)->retry_after,
            std::chrono::seconds(5));
}

TEST(CurlErrorTest, CurlCodesMapToExactlyOneReason) {
  EXPECT_EQ(ClassifyCurlCode(CURLE_COULDNT_RESOLVE_HOST), FailureReason::kDns);
  EXPECT_EQ(ClassifyCurlCode(CURLE_COULDNT_RESOLVE_PROXY), FailureReason::kDns);
  EXPECT_EQ(ClassifyCurlCode(CURLE_COULDNT_CONNECT), FailureReason::kConnect);
  EXPECT_EQ(ClassifyCurlCode(CURLE_SSL_CONNECT_ERROR), FailureReason::kTls);
  EXPECT_EQ(ClassifyCurlCode(CURLE_PEER_FAILED_VERIFICATION), FailureReason::kTls);
  EXPECT_EQ(ClassifyCurlCode(CURLE_SSL_CACERT_BADFILE), FailureReason::kTls);
  EXPECT_EQ(ClassifyCurlCode(CURLE_OPERATION_TIMEDOUT), FailureReason::kTimeout);
  EXPECT_EQ(ClassifyCurlCode(CURLE_RECV_ERROR), FailureReason::kNetwork);
  EXPECT_EQ(ClassifyCurlCode(CURLE_SEND_ERROR), FailureReason::kNetwork);
  EXPECT_EQ(ClassifyCurlCode(CURLE_GOT_NOTHING), FailureReason::kNetwork);
  EXPECT_EQ(ClassifyCurlCode(CURLE_SEND_FAIL_REWIND), FailureReason::kNetwork);
  EXPECT_EQ(ClassifyCurlCode(CURLE_PARTIAL_FILE), FailureReason::kProtocol);
  EXPECT_EQ(ClassifyCurlCode(CURLE_WEIRD_SERVER_REPLY), FailureReason::kProtocol);
  EXPECT_EQ(ClassifyCurlCode(CURLE_BAD_CONTENT_ENCODING), FailureReason::kProtocol);
  EXPECT_EQ(ClassifyCurlCode(CURLE_TOO_MANY_REDIRECTS), FailureReason::kProtocol);
  EXPECT_EQ(ClassifyCurlCode(CURLE_OUT_OF_MEMORY), FailureReason::kUnknown);
}

}  // namespace
}  // namespace hermes::net
