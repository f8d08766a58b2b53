#include "common/clock.h"

namespace hermes {

FakeClock::FakeClock(WallTime wall_start)
    : steady_(SteadyTime(std::chrono::hours(24 * 365))), wall_(wall_start) {}

SteadyTime FakeClock::SteadyNow() const {
  std::lock_guard<std::mutex> l(mu_);
  return steady_;
}

WallTime FakeClock::WallNow() const {
  std::lock_guard<std::mutex> l(mu_);
  return wall_;
}

void FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          SteadyTime deadline) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (steady_ >= deadline) return;
    waiting_.insert(&cv);
  }
  // A short real timeout guards against a notify racing the registration above;
  // callers treat the return as spurious and re-check.
  cv.wait_for(lock, std::chrono::milliseconds(20));
  std::lock_guard<std::mutex> l(mu_);
  waiting_.erase(waiting_.find(&cv));
}

void FakeClock::Advance(Duration d) {
  std::multiset<std::condition_variable*> to_wake;
  {
    std::lock_guard<std::mutex> l(mu_);
    steady_ += d;
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
    to_wake = waiting_;
  }
  for (auto* cv : to_wake) cv->notify_all();
}

int FakeClock::Waiters() const {
  std::lock_guard<std::mutex> l(mu_);
  return static_cast<int>(waiting_.size());
}

}  // namespace hermes
