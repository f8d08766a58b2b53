#include "metrics/histogram.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "metrics/text_format.h"

namespace hermes::metrics {
namespace {

constexpr int kSubBuckets = 1 << kNativeSchema;

// Lower edges, within one power of two, of the buckets at kNativeSchema, as fractions
// of frexp's [0.5, 1) mantissa: 2^(k/2^schema - 1).
const std::array<double, kSubBuckets>& MantissaBounds() {
  static const auto bounds = [] {
    std::array<double, kSubBuckets> b{};
    for (int k = 0; k < kSubBuckets; ++k) b[k] = std::exp2(double(k) / kSubBuckets - 1);
    return b;
  }();
  return bounds;
}

// The kNativeSchema bucket of v > 0: the smallest i with v <= 2^(i/2^schema).
int32_t NativeIndex(double v) {
  int exp = 0;
  const double frac = std::frexp(v, &exp);  // v = frac * 2^exp, frac in [0.5, 1)
  const auto& b = MantissaBounds();
  const int k = static_cast<int>(std::lower_bound(b.begin(), b.end(), frac) - b.begin());
  return (exp - 1) * kSubBuckets + k;
}

// Bucket i at schema s lies in bucket ceil(i/2) at schema s-1.
int32_t Halve(int32_t i) { return (i + 1) >> 1; }

void Add(NativeBuckets& b, int32_t index) {
  if (b.counts.empty()) {
    b.first = index;
    b.counts.assign(1, 0);
  } else if (index < b.first) {
    b.counts.insert(b.counts.begin(), static_cast<size_t>(b.first - index), 0);
    b.first = index;
  } else if (index >= b.first + static_cast<int32_t>(b.counts.size())) {
    b.counts.resize(static_cast<size_t>(index - b.first) + 1, 0);
  }
  ++b.counts[static_cast<size_t>(index - b.first)];
}

void Merge(NativeBuckets& b) {
  if (b.counts.empty()) return;
  NativeBuckets merged;
  merged.first = Halve(b.first);
  merged.counts.assign(
      static_cast<size_t>(Halve(b.first + static_cast<int32_t>(b.counts.size()) - 1) -
                          merged.first) +
          1,
      0);
  for (size_t i = 0; i < b.counts.size(); ++i) {
    merged.counts[static_cast<size_t>(Halve(b.first + static_cast<int32_t>(i)) - merged.first)] +=
        b.counts[i];
  }
  b = std::move(merged);
}

}  // namespace

BucketSet::BucketSet(std::vector<double> b) : bounds(std::move(b)) {
  le.reserve(bounds.size());
  for (double x : bounds) {
    le.emplace_back();
    AppendValue(le.back(), x);
  }
}

Histogram::Histogram(std::shared_ptr<const BucketSet> buckets)
    : buckets_(std::move(buckets)), counts_(buckets_->bounds.size() + 1, 0) {}

void Histogram::Observe(double v) {
  if (!std::isfinite(v)) return;
  const auto& b = buckets_->bounds;
  ++counts_[static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v) - b.begin())];
  ++count_;
  sum_ += v;
  ObserveNative(v);
}

void Histogram::ObserveNative(double v) {
  if (std::fabs(v) <= kNativeZeroThreshold) {
    ++zero_count_;
    return;
  }
  // The index at kNativeSchema, brought down to the current schema.
  int32_t i = NativeIndex(std::fabs(v));
  for (int s = kNativeSchema; s > schema_; --s) i = Halve(i);
  Add(v > 0 ? positive_ : negative_, i);
  while (positive_.counts.size() + negative_.counts.size() > kMaxNativeBuckets &&
         schema_ > kMinNativeSchema) {
    Reduce();
  }
}

void Histogram::Reduce() {
  --schema_;
  Merge(positive_);
  Merge(negative_);
}

bool Histogram::CopyFrom(const Histogram& from) {
  if (from.buckets_->bounds != buckets_->bounds) return false;
  counts_ = from.counts_;
  count_ = from.count_;
  sum_ = from.sum_;
  schema_ = from.schema_;
  zero_count_ = from.zero_count_;
  positive_ = from.positive_;
  negative_ = from.negative_;
  return true;
}

}  // namespace hermes::metrics
