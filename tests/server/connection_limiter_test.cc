// ConnectionLimiter from values: which connection a newcomer at the cap replaces,
// and what the per-IP cap counts.
#include "server/connection_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hermes::server {
namespace {

// Admits connections and records which ones the limiter closed.
struct Harness {
  Harness(int total, int per_ip) : limiter(total, per_ip) {}
  uint64_t Admit(const std::string& ip, const std::string& name) {
    ConnectionLimiter::Admission a = limiter.Admit(ip, [this, name] { evicted.push_back(name); });
    last = a;
    return a.id;
  }
  ConnectionLimiter limiter;
  ConnectionLimiter::Admission last;
  std::vector<std::string> evicted;
};

TEST(ConnectionLimiterTest, NewcomerAtTheCapReplacesItsAddresssOldestPendingConnection) {
  Harness h(3, 8);
  h.Admit("a", "a1");
  h.Admit("b", "b1");
  h.Admit("a", "a2");
  uint64_t a3 = h.Admit("a", "a3");
  EXPECT_NE(a3, 0u);
  EXPECT_TRUE(h.last.evicted);
  EXPECT_EQ(h.last.open, 3);
  EXPECT_EQ(h.evicted, std::vector<std::string>{"a1"});
  h.Admit("a", "a4");
  EXPECT_EQ(h.evicted, (std::vector<std::string>{"a1", "a2"}));
}

TEST(ConnectionLimiterTest, AddressWithoutPendingConnectionsTakesFromTheHeaviestAddress) {
  Harness h(4, 8);
  h.Admit("flood", "f1");
  h.Admit("other", "o1");
  h.Admit("flood", "f2");
  h.Admit("flood", "f3");
  EXPECT_NE(h.Admit("scraper", "s1"), 0u);
  EXPECT_EQ(h.evicted, std::vector<std::string>{"f1"});
  // "flood" still holds the most pending connections (f2, f3).
  EXPECT_NE(h.Admit("scraper2", "s2"), 0u);
  EXPECT_EQ(h.evicted, (std::vector<std::string>{"f1", "f2"}));
}

TEST(ConnectionLimiterTest, EstablishedConnectionsAreNeverEvictedAndFillingWithThemRefuses) {
  Harness h(2, 8);
  uint64_t a = h.Admit("a", "a1");
  uint64_t b = h.Admit("b", "b1");
  ASSERT_TRUE(h.limiter.Establish(a));
  ASSERT_TRUE(h.limiter.Establish(b));
  EXPECT_EQ(h.Admit("a", "a2"), 0u);
  EXPECT_TRUE(h.last.refused);
  EXPECT_EQ(h.last.open, 2);
  EXPECT_TRUE(h.evicted.empty());
  // Back to pending (idle without authentication): evictable again, and youngest.
  h.limiter.Unestablish(a);
  EXPECT_NE(h.Admit("c", "c1"), 0u);
  EXPECT_EQ(h.evicted, std::vector<std::string>{"a1"});
}

TEST(ConnectionLimiterTest, PerIpCapCountsOnlyEstablishedConnections) {
  Harness h(100, 2);
  std::vector<uint64_t> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(h.Admit("a", "a" + std::to_string(i)));
  EXPECT_EQ(h.last.open, 10);  // pending connections never hit the per-IP cap
  EXPECT_TRUE(h.limiter.Establish(ids[0]));
  EXPECT_TRUE(h.limiter.Establish(ids[0]));  // idempotent
  EXPECT_TRUE(h.limiter.Establish(ids[1]));
  EXPECT_FALSE(h.limiter.Establish(ids[2]));
  h.limiter.Unestablish(ids[0]);
  EXPECT_TRUE(h.limiter.Establish(ids[2]));
  EXPECT_TRUE(h.evicted.empty());
}

TEST(ConnectionLimiterTest, ReleaseFreesTheSlotAndAnEvictedIdIsForgotten) {
  Harness h(1, 1);
  uint64_t a = h.Admit("a", "a1");
  uint64_t b = h.Admit("a", "a2");
  EXPECT_EQ(h.evicted, std::vector<std::string>{"a1"});
  EXPECT_FALSE(h.limiter.Establish(a));  // evicted
  EXPECT_EQ(h.limiter.Release(a), 1);    // no-op: b is still open
  EXPECT_EQ(h.limiter.Release(b), 0);
  EXPECT_NE(h.Admit("a", "a3"), 0u);
  EXPECT_FALSE(h.last.evicted);
}

}  // namespace
}  // namespace hermes::server
