// Histogram: one histogram series, both as classic buckets (fixed upper bounds, for
// the text format) and as a native histogram (sparse exponential buckets, for the
// protobuf format), fed by the same observations.
//
// Native buckets follow the Prometheus schema: at schema s, bucket i holds values in
// (2^((i-1)/2^s), 2^(i/2^s)]; values with |v| <= kNativeZeroThreshold go to the zero
// bucket. Observations start at schema kNativeSchema (buckets ~9 % wide); when the
// populated range would need more than kMaxNativeBuckets buckets the schema drops by
// one (neighbouring buckets merge), so memory stays bounded whatever is observed.
//
// Non-finite observations are ignored (no probe produces them; counting them would
// make the sum meaningless).
//
// Thread-safety: none; the owner serialises access.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hermes::metrics {

// Classic upper bounds (ascending, finite; +Inf is implicit) and their text form.
struct BucketSet {
  explicit BucketSet(std::vector<double> bounds);
  std::vector<double> bounds;
  std::vector<std::string> le;  // label values, formatted once
};

inline constexpr int kNativeSchema = 3;
inline constexpr int kMinNativeSchema = -4;
inline constexpr size_t kMaxNativeBuckets = 160;
inline constexpr double kNativeZeroThreshold = 0x1p-128;

// Consecutive native buckets starting at index `first` (dense; zeros allowed).
struct NativeBuckets {
  int32_t first = 0;
  std::vector<uint64_t> counts;
};

class Histogram {
 public:
  explicit Histogram(std::shared_ptr<const BucketSet> buckets);

  void Observe(double v);
  // Copies every value of `from` when both have the same classic bounds; otherwise
  // leaves this histogram unchanged and returns false.
  bool CopyFrom(const Histogram& from);

  const BucketSet& buckets() const { return *buckets_; }
  // Per classic bucket (not cumulative); the last entry is the +Inf bucket.
  const std::vector<uint64_t>& bucket_counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

  int schema() const { return schema_; }
  uint64_t zero_count() const { return zero_count_; }
  const NativeBuckets& positive() const { return positive_; }
  const NativeBuckets& negative() const { return negative_; }

 private:
  void ObserveNative(double v);
  void Reduce();  // schema - 1: merges pairs of buckets

  std::shared_ptr<const BucketSet> buckets_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
  int schema_ = kNativeSchema;
  uint64_t zero_count_ = 0;
  NativeBuckets positive_;
  NativeBuckets negative_;
};

}  // namespace hermes::metrics
