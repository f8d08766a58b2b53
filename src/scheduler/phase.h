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
#include <map>
#include <optional>
#include <string>
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

// Notices scrapers that scrape at another interval than global.scrape_interval (probe
// runs are aligned to it, so results would be read late or not at all).
//
// Method: per client address, the last arrival and the last kGaps gaps between
// arrivals. When those gaps agree within kTolerance of the largest and their median
// differs from the expected interval by more than kTolerance of it, the median (rounded
// to 100 ms) is reported once; again only after it changed by more than kTolerance or
// came back into line. Irregular gaps (a person with curl, two scrapers behind one
// address) report nothing. At most kMaxClients addresses are kept; the least recently
// seen goes first.
class ScrapeIntervalWatch {
 public:
  static constexpr size_t kMaxClients = 16;
  static constexpr size_t kGaps = 3;
  static constexpr double kTolerance = 0.10;

  // A /metrics request from `client` at `t`. Returns the client's steady scrape
  // interval when it is newly known to differ from `expected`.
  std::optional<Duration> Observe(const std::string& client, WallTime t, Duration expected);

 private:
  struct Client {
    WallTime last;
    std::deque<Duration> gaps;  // oldest first, at most kGaps
    std::optional<Duration> reported;
    uint64_t seen = 0;  // tick_ of the last arrival, for eviction
  };
  std::map<std::string, Client, std::less<>> clients_;
  uint64_t tick_ = 0;
};

}  // namespace hermes::scheduler
