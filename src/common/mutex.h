// Mutex and MutexLock: std::mutex and std::unique_lock with clang thread-safety
// annotations (common/thread_annotations.h), so that -Wthread-safety can check
// every HERMES_GUARDED_BY(mu) access. Use them for all shared state:
//
//   Mutex mu_;
//   int count_ HERMES_GUARDED_BY(mu_);
//   void Add() HERMES_EXCLUDES(mu_) { MutexLock l(mu_); ++count_; }
//
// Waiting on a std::condition_variable goes through the MutexLock, which releases
// the mutex while blocked and holds it again on return; re-check the condition in
// a loop around the wait (a predicate lambda would read guarded state where the
// analysis cannot see the lock).
//
// Thread-safety: Mutex is a mutex; a MutexLock belongs to the thread that made it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace hermes {

class HERMES_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() HERMES_ACQUIRE() { mu_.lock(); }
  void Unlock() HERMES_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope. Unlock() and Lock() release and retake it inside
// the scope (to call out or block without it); the destructor releases it only
// if held.
class HERMES_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) HERMES_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() HERMES_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Lock() HERMES_ACQUIRE() { lock_.lock(); }
  void Unlock() HERMES_RELEASE() { lock_.unlock(); }

  // Block on `cv` with the mutex released (until notified, spuriously, or the
  // time given); the mutex is held again when they return.
  void Wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <typename Rep, typename Period>
  void WaitFor(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout) {
    cv.wait_for(lock_, timeout);
  }
  template <typename Clock, typename Dur>
  void WaitUntil(std::condition_variable& cv, std::chrono::time_point<Clock, Dur> deadline) {
    cv.wait_until(lock_, deadline);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace hermes
