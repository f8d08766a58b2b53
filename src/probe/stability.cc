#include "probe/stability.h"

#include <cmath>

namespace hermes::probe {

StabilityTest::StabilityTest(int mad, double sdt) : mad_(mad), sdt_(sdt) {}

bool StabilityTest::Add(double moving_average) {
  last_.push_back(moving_average);
  if (last_.size() > static_cast<size_t>(mad_)) last_.pop_front();
  ++count_;
  return Stable();
}

bool StabilityTest::Stable() const {
  if (count_ < mad_ || last_.empty()) return false;
  double mean = 0;
  for (double v : last_) mean += v;
  mean /= static_cast<double>(last_.size());
  double var = 0;
  for (double v : last_) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / static_cast<double>(last_.size()));
  // The draft: "less than SDT of the current average". A series at (or below) zero is
  // never stable: a load that moves nothing is no measured goodput.
  return last_.back() > 0 && sd < sdt_ * last_.back();
}

GoodputIntervals::GoodputIntervals(SteadyTime start, uint64_t bytes_at_start, Duration interval,
                                   int mad)
    : interval_(interval),
      mad_(static_cast<size_t>(mad)),
      interval_start_(start),
      bytes_at_interval_start_(bytes_at_start) {}

bool GoodputIntervals::Observe(SteadyTime now, uint64_t total_bytes) {
  if (now < interval_start_ + interval_) return false;
  window_.push_back(Closed{total_bytes - bytes_at_interval_start_, now - interval_start_});
  if (window_.size() > mad_) window_.pop_front();
  interval_start_ = now;
  bytes_at_interval_start_ = total_bytes;
  ++closed_;
  return true;
}

std::optional<double> GoodputIntervals::moving_average() const {
  if (window_.empty()) return std::nullopt;
  uint64_t bytes = 0;
  Duration length{};
  for (const Closed& c : window_) {
    bytes += c.bytes;
    length += c.length;
  }
  return static_cast<double>(bytes) / ToSeconds(length);
}

}  // namespace hermes::probe
