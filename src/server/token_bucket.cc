#include "server/token_bucket.h"

#include <algorithm>

namespace hermes::server {

TokenBucket::TokenBucket(std::chrono::nanoseconds interval, int burst, TimePoint now)
    : interval_(interval), burst_(burst), tokens_(burst), last_(now) {}

bool TokenBucket::Allow(TimePoint now) {
  MutexLock lock(mu_);
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_) / interval_);
    last_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace hermes::server
