#include "server/connection_limiter.h"

namespace hermes::server {

const char* ConnectionLimiter::TryAcquire(const std::string& ip, int* open_after) {
  MutexLock lock(mu_);
  *open_after = open_;
  if (open_ >= max_total_) return "max_connections";
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && it->second >= max_per_ip_) return "max_connections_per_ip";
  if (max_per_ip_ <= 0) return "max_connections_per_ip";
  ++per_ip_[ip];
  *open_after = ++open_;
  return nullptr;
}

int ConnectionLimiter::Release(const std::string& ip) {
  MutexLock lock(mu_);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
  return --open_;
}

int ConnectionLimiter::Open() const {
  MutexLock lock(mu_);
  return open_;
}

}  // namespace hermes::server
