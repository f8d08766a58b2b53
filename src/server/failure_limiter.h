// FailureLimiter: per-client-IP counters of failed authentication attempts.
//
// A client's window starts at its first recorded failure; once `max_failures`
// failures fall into that window the client is Limited() until `window` has passed
// since the first failure, then its entry is dropped and counting starts afresh.
// Nothing resets a counter early (a success must not unlock guessing for others
// behind the same address). At most `capacity` clients are tracked; recording a new
// client beyond that evicts the one whose window started first, so memory stays
// bounded whatever the number of source addresses. `max_failures` <= 0 disables
// the limiter: nothing is recorded and nobody is limited.
//
// Times are steady times passed in by the caller (from its Clock).
//
// Thread-safety: none. The owner serialises all calls with its own mutex
// (Authenticator guards it together with its success cache); every call is
// O(1) amortised and does no I/O, so it is fine under a short lock.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace hermes::server {

class FailureLimiter {
 public:
  FailureLimiter(int max_failures, Duration window, size_t capacity);

  // True when `ip` has reached `max_failures` within its current window.
  bool Limited(const std::string& ip, SteadyTime now);
  void RecordFailure(const std::string& ip, SteadyTime now);

 private:
  struct Entry {
    std::string ip;
    SteadyTime first;
    int count;
  };
  void Expire(SteadyTime now);

  const int max_failures_;
  const Duration window_;
  const size_t capacity_;
  std::list<Entry> order_;  // sorted by `first`, oldest at the front
  std::unordered_map<std::string, std::list<Entry>::iterator> by_ip_;
};

}  // namespace hermes::server
