// The moving-average stability test of draft-ietf-ippm-responsiveness ("Final
// Algorithm"), shared by the responsiveness probe (goodput, then responsiveness)
// and the speedtest's `stop: stable`.
//
// Time is cut into intervals of ID. At the end of each interval the caller adds one
// value that is itself a moving average over the last MAD intervals (for goodput:
// the bytes of those intervals divided by their duration). The series is stable
// once it holds at least MAD values, the newest is above zero and the population
// standard deviation of the last MAD of them is less than SDT of the newest one.
//
// GoodputIntervals turns a running byte count observed at arbitrary instants into
// those interval values: an interval closes at the first observation at or after
// its planned end, so intervals are never shorter than ID, and rates use the real
// time between the closing observations. Pure arithmetic: tests feed synthetic
// timelines; the engines feed their own Clock's readings.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "common/clock.h"
#include "config/responsiveness_config.h"

namespace hermes::probe {

class StabilityTest {
 public:
  explicit StabilityTest(int mad = config::kRpmMovingAverageDistance,
                         double sdt = config::kRpmStdDevTolerance);

  // Appends the newest interval's moving average; returns Stable().
  bool Add(double moving_average);
  bool Stable() const;
  // Values added so far (intervals of this stage).
  int count() const { return count_; }

 private:
  const int mad_;
  const double sdt_;
  std::deque<double> last_;  // at most mad_ values
  int count_ = 0;
};

class GoodputIntervals {
 public:
  GoodputIntervals(SteadyTime start, uint64_t bytes_at_start,
                   Duration interval = config::kRpmIntervalDuration,
                   int mad = config::kRpmMovingAverageDistance);

  // Observes the running total; returns true when this closed an interval (then
  // moving_average() is that interval's value).
  bool Observe(SteadyTime now, uint64_t total_bytes);

  // Bytes per second over the last MAD closed intervals (fewer at the start);
  // nullopt before the first interval closed.
  std::optional<double> moving_average() const;
  int closed() const { return closed_; }
  // The earliest instant at which Observe() closes the current interval.
  SteadyTime next_close() const { return interval_start_ + interval_; }

 private:
  struct Closed {
    uint64_t bytes;
    Duration length;
  };
  const Duration interval_;
  const size_t mad_;
  SteadyTime interval_start_;
  uint64_t bytes_at_interval_start_;
  std::deque<Closed> window_;
  int closed_ = 0;
};

}  // namespace hermes::probe
