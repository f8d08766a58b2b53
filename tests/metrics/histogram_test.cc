// Histogram: classic buckets and the native (sparse exponential) buckets beside them.
#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

namespace hermes::metrics {
namespace {

std::shared_ptr<const BucketSet> Buckets(std::vector<double> b) {
  return std::make_shared<BucketSet>(std::move(b));
}

// Index -> count of dense native buckets, zeros dropped.
std::map<int64_t, uint64_t> Sparse(const NativeBuckets& b) {
  std::map<int64_t, uint64_t> out;
  for (size_t i = 0; i < b.counts.size(); ++i) {
    if (b.counts[i] != 0) out[b.first + static_cast<int64_t>(i)] = b.counts[i];
  }
  return out;
}

// Bucket i at schema s holds (2^((i-1)/2^s), 2^(i/2^s)], computed independently.
int64_t Reference(double v, int schema) {
  return static_cast<int64_t>(std::ceil(std::log2(v) * std::ldexp(1.0, schema)));
}

TEST(HistogramTest, ClassicBucketsAreUpperInclusive) {
  Histogram h(Buckets({0.1, 1}));
  for (double v : {0.05, 0.1, 0.5, 1.0, 7.0}) h.Observe(v);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 2, 1}));
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 8.65);
  EXPECT_EQ(h.buckets().le, (std::vector<std::string>{"0.1", "1"}));
}

TEST(HistogramTest, NativeIndexOfPowersOfTwoAndBetween) {
  Histogram h(Buckets({}));
  for (double v : {1.0, 2.0, 0.5, 1.05, 3.0}) h.Observe(v);
  // 1 is the upper bound of bucket 0, 2 of bucket 8, 0.5 of -8; 1.05 is in (1, 1.09].
  EXPECT_EQ(Sparse(h.positive()),
            (std::map<int64_t, uint64_t>{{-8, 1}, {0, 1}, {1, 1}, {8, 1}, {13, 1}}));
  EXPECT_EQ(Reference(3.0, 3), 13);
  EXPECT_EQ(h.schema(), kNativeSchema);
}

TEST(HistogramTest, NativeIndexMatchesTheDefinition) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-9, 9);
  Histogram h(Buckets({}));
  std::map<int64_t, uint64_t> want;
  for (int i = 0; i < 5000; ++i) {
    const double v = std::exp2(exponent(rng));
    const double scaled = std::log2(v) * 8;
    if (std::fabs(scaled - std::round(scaled)) < 1e-9) continue;  // too close to a bound
    h.Observe(v);
    ++want[Reference(v, 3)];
  }
  ASSERT_EQ(h.schema(), 3);  // 18 octaves x 8 buckets fit in kMaxNativeBuckets
  EXPECT_EQ(Sparse(h.positive()), want);
}

TEST(HistogramTest, WideRangeLowersTheResolution) {
  Histogram h(Buckets({}));
  h.Observe(1e-6);
  h.Observe(1e6);
  // 2^-19.9 .. 2^19.9 needs 320 buckets at schema 3 and 160 at schema 2.
  EXPECT_EQ(h.schema(), 2);
  EXPECT_LE(h.positive().counts.size(), kMaxNativeBuckets);
  EXPECT_EQ(Sparse(h.positive()),
            (std::map<int64_t, uint64_t>{{Reference(1e-6, 2), 1}, {Reference(1e6, 2), 1}}));
  h.Observe(1e30);
  EXPECT_LT(h.schema(), 2);
  uint64_t total = 0;
  for (auto c : h.positive().counts) total += c;
  EXPECT_EQ(total, 3u);
  for (double v : {1e-6, 1e6, 1e30})
    EXPECT_EQ(Sparse(h.positive()).count(Reference(v, h.schema())), 1u);
}

TEST(HistogramTest, ZeroNegativeAndNonFinite) {
  Histogram h(Buckets({0}));
  h.Observe(0);
  h.Observe(1e-40);  // inside the zero bucket
  h.Observe(-2);
  h.Observe(NAN);
  h.Observe(INFINITY);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.zero_count(), 2u);
  EXPECT_EQ(Sparse(h.negative()), (std::map<int64_t, uint64_t>{{8, 1}}));
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 1}));  // 0 and -2 <= 0
  EXPECT_DOUBLE_EQ(h.sum(), -2 + 1e-40);
}

TEST(HistogramTest, CopyOnlyBetweenEqualBuckets) {
  Histogram a(Buckets({1, 2}));
  a.Observe(1.5);
  Histogram same(Buckets({1, 2}));
  EXPECT_TRUE(same.CopyFrom(a));
  EXPECT_EQ(same.count(), 1u);
  EXPECT_EQ(Sparse(same.positive()), Sparse(a.positive()));
  Histogram other(Buckets({1, 3}));
  EXPECT_FALSE(other.CopyFrom(a));
  EXPECT_EQ(other.count(), 0u);
}

}  // namespace
}  // namespace hermes::metrics
