#include "common/clock.h"

#include <cstdio>
#include <ctime>

namespace hermes {

std::string Rfc3339(WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];  // sized for any int fields, which keeps -Wformat-truncation quiet
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

FakeClock::FakeClock(WallTime wall_start)
    : steady_(SteadyTime(std::chrono::hours(24 * 365))), wall_(wall_start) {}

SteadyTime FakeClock::SteadyNow() const {
  MutexLock l(mu_);
  return steady_;
}

WallTime FakeClock::WallNow() const {
  MutexLock l(mu_);
  return wall_;
}

void FakeClock::WaitUntil(MutexLock& lock, std::condition_variable& cv, SteadyTime deadline) {
  {
    MutexLock l(mu_);
    if (steady_ >= deadline) return;
    waiting_.insert(&cv);
    ++idle_waits_;
  }
  // A short real timeout guards against a notify racing the registration above;
  // callers treat the return as spurious and re-check.
  lock.WaitFor(cv, std::chrono::milliseconds(20));
  MutexLock l(mu_);
  waiting_.erase(waiting_.find(&cv));
}

void FakeClock::Advance(Duration d) {
  std::multiset<std::condition_variable*> to_wake;
  {
    MutexLock l(mu_);
    steady_ += d;
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    to_wake = waiting_;
  }
  for (auto* cv : to_wake) cv->notify_all();
}

uint64_t FakeClock::IdleWaits() const {
  MutexLock l(mu_);
  return idle_waits_;
}

int FakeClock::Waiters() const {
  MutexLock l(mu_);
  return static_cast<int>(waiting_.size());
}

}  // namespace hermes
