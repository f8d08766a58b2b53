#include "server/failure_limiter.h"

#include <algorithm>
#include <iterator>

namespace hermes::server {

FailureLimiter::FailureLimiter(int max_failures, Duration window, size_t capacity)
    : max_failures_(max_failures), window_(window), capacity_(std::max<size_t>(capacity, 1)) {}

bool FailureLimiter::Limited(const std::string& ip, SteadyTime now) {
  if (max_failures_ <= 0) return false;
  Expire(now);
  auto it = by_ip_.find(ip);
  return it != by_ip_.end() && it->second->count >= max_failures_;
}

void FailureLimiter::RecordFailure(const std::string& ip, SteadyTime now) {
  if (max_failures_ <= 0) return;
  Expire(now);
  if (auto it = by_ip_.find(ip); it != by_ip_.end()) {
    ++it->second->count;
    return;
  }
  if (order_.size() >= capacity_) {
    by_ip_.erase(order_.front().ip);
    order_.pop_front();
  }
  order_.push_back({ip, now, 1});
  by_ip_.emplace(ip, std::prev(order_.end()));
}

// Entries are appended with the current time, so the list is sorted by `first`.
void FailureLimiter::Expire(SteadyTime now) {
  while (!order_.empty() && now - order_.front().first >= window_) {
    by_ip_.erase(order_.front().ip);
    order_.pop_front();
  }
}

}  // namespace hermes::server
