#include "scheduler/plan.h"

#include <algorithm>
#include <limits>

#include "scheduler/phase.h"

namespace hermes::scheduler {

namespace {
WallTime::duration W(Duration d) { return std::chrono::duration_cast<WallTime::duration>(d); }
}  // namespace

Duration PhaseLockMargin(Duration scrape_interval) {
  return std::max<Duration>(std::chrono::milliseconds(500), scrape_interval / 20);
}

Duration ExpectedDuration(const std::deque<Duration>& recent, Duration timeout) {
  if (recent.empty()) return timeout / 2;
  return std::min(*std::max_element(recent.begin(), recent.end()), timeout);
}

WallTime PlanStart(WallTime slot, Duration interval, Duration scrape_interval,
                   std::span<const Duration> scrape_offsets, Duration expected) {
  if (scrape_offsets.empty() || scrape_interval <= Duration::zero()) return slot;
  expected = std::max(expected, Duration::zero());
  const Duration margin = PhaseLockMargin(scrape_interval);
  const WallTime earliest_finish = slot + W(expected + margin);
  std::optional<WallTime> scrape;
  for (Duration off : scrape_offsets) {
    const WallTime s = NextWithOffset(earliest_finish, scrape_interval, off);
    if (!scrape || s < *scrape) scrape = s;
  }
  const WallTime start = *scrape - W(margin + expected);
  if (start < slot || start >= slot + W(interval)) return slot;
  return start;
}

WallTime BulkGiveUp(WallTime planned, WallTime slot, Duration interval, Duration expected) {
  const WallTime by_grace = planned + W(interval / 10);
  const WallTime by_next_slot = slot + W(interval - expected);
  return std::max(planned, std::min(by_grace, by_next_slot));
}

uint64_t WorstCaseBytes(const config::ProbeConfig& probe) {
  return probe.settings ? probe.settings->MaxBytesPerRun() : 0;
}

void ByteWindow::Add(WallTime t, uint64_t bytes) {
  if (bytes == 0) return;
  const WallTime bucket = SlotContaining(t, kBucket, Duration::zero());
  if (!buckets_.empty() && buckets_.back().first == bucket) {
    buckets_.back().second += bytes;
  } else if (!buckets_.empty() && bucket < buckets_.back().first) {
    // The wall clock went backwards: account to the newest bucket rather than
    // reordering, so the window stays sorted.
    buckets_.back().second += bytes;
  } else {
    buckets_.emplace_back(bucket, bytes);
  }
  Prune(t);
}

void ByteWindow::Prune(WallTime now) {
  while (!buckets_.empty() && buckets_.front().first + W(kBucket) <= now - W(kWindow)) {
    buckets_.pop_front();
  }
}

uint64_t ByteWindow::Sum(WallTime now) const {
  uint64_t sum = 0;
  for (const auto& [start, bytes] : buckets_) {
    if (start + W(kBucket) <= now - W(kWindow)) continue;
    sum = bytes > std::numeric_limits<uint64_t>::max() - sum ? std::numeric_limits<uint64_t>::max()
                                                             : sum + bytes;
  }
  return sum;
}

bool ExceedsBudget(uint64_t used, uint64_t worst_case, uint64_t budget) {
  if (budget == 0) return false;
  if (used >= budget) return true;
  return worst_case > budget - used;
}

}  // namespace hermes::scheduler
