// TokenBucket: the web config's rate_limit, with golang.org/x/time/rate's
// semantics as exporter-toolkit uses them: the bucket starts full with `burst`
// tokens, gains one every `interval` (never more than `burst`), and each allowed
// request takes one. burst 0 allows nothing.
//
// Thread-safety: Allow() may be called concurrently.
#pragma once

#include <chrono>

#include "common/mutex.h"

namespace hermes::server {

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  TokenBucket(std::chrono::nanoseconds interval, int burst, TimePoint now);
  // Takes a token at `now` (monotonic across calls) if there is one.
  bool Allow(TimePoint now) HERMES_EXCLUDES(mu_);

 private:
  const std::chrono::nanoseconds interval_;
  const double burst_;
  Mutex mu_;
  double tokens_ HERMES_GUARDED_BY(mu_);
  TimePoint last_ HERMES_GUARDED_BY(mu_);
};

}  // namespace hermes::server
