// Pure "what is due when" logic for the scheduler (SPEC section 5): where inside
// its slot a run starts once the phase lock knows the scrape offsets, how long a
// run is expected to take, how long a bulk run may wait for the bandwidth, and the
// rolling 30-day data budget window.
//
// No locking and no clock access: callers pass `now`. The scheduler calls these
// under its mutex; tests call them directly.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>

#include "common/clock.h"
#include "config/config.h"

namespace hermes::scheduler {

// How many recent run durations feed the expected duration.
inline constexpr size_t kDurationHistory = 4;

// The run is aimed to finish this long before the scrape: max(0.5 s, 5% of S).
Duration PhaseLockMargin(Duration scrape_interval);

// Expected run time: the longest of the recent durations, at most `timeout`;
// timeout / 2 before the first run.
Duration ExpectedDuration(const std::deque<Duration>& recent, Duration timeout);

// Planned start for the run of slot [slot, slot + interval).
//
// Without trusted scrape offsets the run starts at `slot`. Otherwise it aims at
// the earliest scrape s (over all offsets, i.e. the first scraper of an HA pair to
// come) with s >= slot + expected + margin, and starts at s - margin - expected.
// The result is in [slot, slot + scrape_interval) and never reaches the next slot;
// if it would (scrape_interval > interval, a config the loader rejects) the run
// starts at `slot`.
WallTime PlanStart(WallTime slot, Duration interval, Duration scrape_interval,
                   std::span<const Duration> scrape_offsets, Duration expected);

// Latest wall time a bulk run planned at `planned` (slot [slot, slot + interval))
// may still start after waiting for another bulk run: 10% of the interval after
// its plan, and early enough to finish (expected) before its next slot. Never
// earlier than `planned`.
WallTime BulkGiveUp(WallTime planned, WallTime slot, Duration interval, Duration expected);

// Worst-case bytes one run of `probe` moves (its settings' MaxBytesPerRun()).
uint64_t WorstCaseBytes(const config::ProbeConfig& probe);

// Bytes moved over the last 30 days, in hourly buckets (so memory stays bounded at
// ~720 entries whatever the run rate; the window edge is exact to one hour).
class ByteWindow {
 public:
  static constexpr Duration kWindow = std::chrono::hours(24 * 30);
  static constexpr Duration kBucket = std::chrono::hours(1);

  void Add(WallTime t, uint64_t bytes);
  // Bytes in buckets that end after now - kWindow.
  uint64_t Sum(WallTime now) const;
  size_t buckets() const { return buckets_.size(); }

 private:
  void Prune(WallTime now);
  std::deque<std::pair<WallTime, uint64_t>> buckets_;  // bucket start, bytes
};

// True when starting a run with `worst_case` bytes would exceed `budget` given
// `used` bytes in the window. A budget of 0 means no budget.
bool ExceedsBudget(uint64_t used, uint64_t worst_case, uint64_t budget);

}  // namespace hermes::scheduler
