// TokenBucket (rate_limit) from values, and the 429 it leads to before auth.
#include "server/token_bucket.h"

#include <gtest/gtest.h>

#include "server/router.h"
#include "server/server_test_util.h"

namespace hermes::server {
namespace {

using namespace std::chrono_literals;
using T = TokenBucket::TimePoint;

TEST(TokenBucketTest, StartsFullAndRefillsOneTokenPerInterval) {
  const T t0{};
  TokenBucket b(1s, 2, t0);
  EXPECT_TRUE(b.Allow(t0));
  EXPECT_TRUE(b.Allow(t0));
  EXPECT_FALSE(b.Allow(t0 + 500ms));
  EXPECT_TRUE(b.Allow(t0 + 1s));
  EXPECT_FALSE(b.Allow(t0 + 1s));
  EXPECT_TRUE(b.Allow(t0 + 10s));  // never more than burst after a long pause
  EXPECT_TRUE(b.Allow(t0 + 10s));
  EXPECT_FALSE(b.Allow(t0 + 10s));
}

TEST(TokenBucketTest, BurstZeroAllowsNothing) {
  const T t0{};
  TokenBucket b(1s, 0, t0);
  EXPECT_FALSE(b.Allow(t0));
  EXPECT_FALSE(b.Allow(t0 + 1h));
}

TEST(TokenBucketTest, RouterAnswers429WithRetryAfterOnProtectedRoutesOnly) {
  ServerOptions o;
  o.web.rate_limit = {std::chrono::seconds(30), 1};
  test_util::FakeAuthenticator auth;
  Route health = test_util::TextRoute("/-/healthy", "ok");
  Route metrics = test_util::TextRoute("/metrics", "m", /*auth=*/true);
  Router router({health, metrics}, &auth, nullptr, o);
  EXPECT_EQ(router.CheckRate(*router.Find("/metrics")), std::nullopt);
  auto limited = router.CheckRate(*router.Find("/metrics"));
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->headers,
            (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "30"}}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(router.CheckRate(*router.Find("/-/healthy")), std::nullopt);
}

}  // namespace
}  // namespace hermes::server
