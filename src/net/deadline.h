// Deadline: the time budget and cancellation flag every blocking network call in
// hermes honours.
//
// A probe run has one deadline (ProbeContext::deadline) and one cancellation flag;
// net adapters take a Deadline built from them, possibly shortened (Sooner) to give
// one attempt a share of the run. Blocking waits poll the flag at least every
// kPollSlice, so cancellation takes effect within ~100 ms.
//
// Time is read from the Clock passed in (the run's clock), so measurements and
// deadlines agree. Thread-safety: a Deadline is a value of references; the Clock
// and the flag must outlive it. Safe to use from one thread at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace hermes::net {

// Longest single wait between checks of the cancellation flag.
inline constexpr Duration kPollSlice = std::chrono::milliseconds(100);

struct Deadline {
  const Clock& clock;
  SteadyTime at;
  const std::atomic<bool>& cancelled;

  Duration Remaining() const { return at - clock.SteadyNow(); }
  bool Cancelled() const { return cancelled.load(std::memory_order_relaxed); }
  bool Expired() const { return Cancelled() || clock.SteadyNow() >= at; }
  // The same budget, ending no later than `t`.
  Deadline Sooner(SteadyTime t) const { return Deadline{clock, std::min(at, t), cancelled}; }
};

// Milliseconds for the next poll(): min(remaining, kPollSlice), rounded up, >= 0.
int PollSliceMs(const Deadline& d);

// Waits until `fd` reports one of `events` (POLLIN, POLLOUT) or an error/hangup, in
// poll() slices of at most kPollSlice. Returns the revents. kDeadlineExceeded when
// the deadline passes ("timed out") or the flag is set ("cancelled").
Result<short> WaitFd(int fd, short events, const Deadline& d);

// The Status WaitFd and friends return when `d` has expired.
Status ExpiredStatus(const Deadline& d, const std::string& what);

}  // namespace hermes::net
