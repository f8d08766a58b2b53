// Clock: the only source of time and the only way to wait in hermes.
//
// Steady time is for deadlines, durations and scheduling arithmetic; wall time is
// for timestamps that leave the process (metrics, /-/status) and for wall-clock
// aligned phases. Production code uses SystemClock; tests use FakeClock, whose time
// only moves when the test calls Advance(), so tests never sleep for real.
//
// Thread-safety: all methods of both implementations are safe to call concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <set>
#include <string>

#include "common/mutex.h"

namespace hermes {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Seconds as a double, the unit every metric uses.
inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline double ToUnixSeconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
// RFC 3339 in UTC with milliseconds, as logs and /-/status show wall time:
// "2026-11-22T11:05:00.123Z" (sub-millisecond parts are cut off).
std::string Rfc3339(WallTime t);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime SteadyNow() const = 0;
  virtual WallTime WallNow() const = 0;

  // Blocks on `cv` (with `lock` held by the caller, released while blocked, as for
  // cv.wait_until) until `deadline` has passed on this clock or `cv` is notified.
  // Spurious returns are allowed: callers re-check their predicate and the time, as
  // with any cv wait.
  virtual void WaitUntil(MutexLock& lock, std::condition_variable& cv, SteadyTime deadline) = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
  void WaitUntil(MutexLock& lock, std::condition_variable& cv, SteadyTime deadline) override {
    lock.WaitUntil(cv, deadline);
  }
};

// A clock that moves only when told to. Waiters blocked in WaitUntil() are woken
// whenever Advance() moves time, so a test drives a threaded component by advancing
// the clock and then waiting (for real, briefly) for the effect it expects.
class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary but fixed steady time and at `wall_start`.
  explicit FakeClock(WallTime wall_start = WallTime(std::chrono::seconds(1'700'000'000)));

  SteadyTime SteadyNow() const override HERMES_EXCLUDES(mu_);
  WallTime WallNow() const override HERMES_EXCLUDES(mu_);
  void WaitUntil(MutexLock& lock, std::condition_variable& cv, SteadyTime deadline) override
      HERMES_EXCLUDES(mu_);

  void Advance(Duration d) HERMES_EXCLUDES(mu_);
  // Number of threads currently blocked in WaitUntil(); lets tests wait until a
  // component has gone idle before advancing.
  int Waiters() const HERMES_EXCLUDES(mu_);
  // How many times a thread has started waiting for a deadline still in the future.
  // It grows once a component has handled everything due at the current time and
  // goes back to sleep: tests wait for it to grow (instead of sleeping) before a
  // negative check.
  uint64_t IdleWaits() const HERMES_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  SteadyTime steady_ HERMES_GUARDED_BY(mu_);
  WallTime wall_ HERMES_GUARDED_BY(mu_);
  std::multiset<std::condition_variable*> waiting_ HERMES_GUARDED_BY(mu_);
  uint64_t idle_waits_ HERMES_GUARDED_BY(mu_) = 0;
};

}  // namespace hermes
