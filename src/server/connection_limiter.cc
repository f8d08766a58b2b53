#include "server/connection_limiter.h"

#include <utility>

namespace hermes::server {

ConnectionLimiter::Admission ConnectionLimiter::Admit(const std::string& ip,
                                                      std::function<void()> evict) {
  Admission a;
  std::function<void()> victim;
  {
    MutexLock lock(mu_);
    if (static_cast<int>(conns_.size()) >= max_total_) {
      victim = TakeVictim(ip);
      if (!victim) {
        a.refused = true;
        a.open = static_cast<int>(conns_.size());
        return a;
      }
      a.evicted = true;
    }
    a.id = next_id_++;
    const uint64_t seq = next_seq_++;
    conns_[a.id] = Conn{ip, false, seq, std::move(evict)};
    by_ip_[ip].pending[seq] = a.id;
    a.open = static_cast<int>(conns_.size());
  }
  if (victim) victim();
  return a;
}

std::function<void()> ConnectionLimiter::TakeVictim(const std::string& ip) {
  auto addr = by_ip_.find(ip);
  if (addr == by_ip_.end() || addr->second.pending.empty()) {
    // The address holding the most pending connections pays; on a tie, the one
    // whose oldest pending connection is oldest.
    addr = by_ip_.end();
    for (auto it = by_ip_.begin(); it != by_ip_.end(); ++it) {
      const auto& p = it->second.pending;
      if (p.empty()) continue;
      if (addr == by_ip_.end() || p.size() > addr->second.pending.size() ||
          (p.size() == addr->second.pending.size() &&
           p.begin()->first < addr->second.pending.begin()->first)) {
        addr = it;
      }
    }
    if (addr == by_ip_.end()) return nullptr;
  }
  auto conn = conns_.find(addr->second.pending.begin()->second);
  std::function<void()> evict = std::move(conn->second.evict);
  Erase(conn);
  return evict;
}

void ConnectionLimiter::Erase(std::map<uint64_t, Conn>::iterator it) {
  auto addr = by_ip_.find(it->second.ip);
  if (it->second.established) {
    --addr->second.established;
  } else {
    addr->second.pending.erase(it->second.pending_since);
  }
  if (addr->second.established == 0 && addr->second.pending.empty()) by_ip_.erase(addr);
  conns_.erase(it);
}

bool ConnectionLimiter::Establish(uint64_t id) {
  MutexLock lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return false;
  if (it->second.established) return true;
  Address& addr = by_ip_[it->second.ip];
  if (addr.established >= max_per_ip_) return false;
  addr.pending.erase(it->second.pending_since);
  ++addr.established;
  it->second.established = true;
  return true;
}

void ConnectionLimiter::Unestablish(uint64_t id) {
  MutexLock lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end() || !it->second.established) return;
  Address& addr = by_ip_[it->second.ip];
  --addr.established;
  it->second.established = false;
  it->second.pending_since = next_seq_++;
  addr.pending[it->second.pending_since] = id;
}

int ConnectionLimiter::Release(uint64_t id) {
  MutexLock lock(mu_);
  auto it = conns_.find(id);
  if (it != conns_.end()) Erase(it);
  return static_cast<int>(conns_.size());
}

}  // namespace hermes::server
