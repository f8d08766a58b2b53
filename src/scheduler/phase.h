// Pure wall-clock phase math for the scheduler (SPEC section 5): the stable splay
// phase of a probe, interval slots on the epoch-based wall-clock grid, and the
// phase-lock estimate of where in its scrape interval Prometheus scrapes us.
//
// Everything here is a plain function or a plain value type without locking:
// the scheduler calls it under its own mutex and tests call it directly.
//
// Units: Duration (nanoseconds) and WallTime; all grids are anchored at the Unix
// epoch, so a restart (or another replica with the same instance) lands on the
// same grid.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace hermes::scheduler {

// FNV-1a, 64 bit. Stable across builds, platforms and restarts (std::hash is not).
uint64_t Fnv1a64(std::string_view data);

// The probe's phase within its interval: FNV-1a-64 of "<instance>\n<name>" modulo
// the interval, at millisecond resolution. Returns 0 for intervals under 1 ms.
Duration StablePhase(std::string_view instance, std::string_view probe_name, Duration interval);

// `t` modulo `period` on the epoch grid, in [0, period). `period` must be > 0.
Duration WallMod(WallTime t, Duration period);

// A slot is a wall time s with (s - phase) mod interval == 0.
// The slot containing `t` (latest slot <= t).
WallTime SlotContaining(WallTime t, Duration interval, Duration phase);
// The earliest slot >= t.
WallTime SlotAtOrAfter(WallTime t, Duration interval, Duration phase);

// The earliest time >= t whose offset within `period` is `offset`.
WallTime NextWithOffset(WallTime t, Duration period, Duration offset);

// Learns the offsets (within scrape_interval) at which scrapers arrive, from the
// arrival times of recent /metrics requests.
//
// Method: keep the last kCapacity arrivals; consider those at most kMaxAgeCycles
// scrape intervals older than `now`; place each on the circle (t mod S); sort and
// split into clusters wherever two neighbours are more than kGapFraction * S apart
// (circularly, so a cluster may wrap across the boundary). A cluster is trusted
// when it has >= kMinAgree members and its circular spread (first to last member)
// is < kMaxSpreadFraction * S; its offset is the circular mean of its members.
// One scraper gives one cluster; an HA pair gives two, and both are returned.
class ScrapeOffsetEstimator {
 public:
  static constexpr size_t kCapacity = 32;
  static constexpr int kMinAgree = 3;
  static constexpr double kGapFraction = 0.05;
  static constexpr double kMaxSpreadFraction = 0.10;
  static constexpr int kMaxAgeCycles = 16;

  void Observe(WallTime t);
  // Trusted scrape offsets in [0, scrape_interval), ascending. Empty when no
  // cluster is trusted (too few or scattered observations).
  std::vector<Duration> Offsets(WallTime now, Duration scrape_interval) const;
  size_t size() const { return arrivals_.size(); }

 private:
  std::deque<WallTime> arrivals_;  // oldest first, at most kCapacity
};

}  // namespace hermes::scheduler
