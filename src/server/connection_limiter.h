// ConnectionLimiter: admission control for connections, total and per client IP,
// built so that a valid scraper is never refused because of connections that have
// not sent a request (slowloris), even when they come from its own address.
//
// A connection is "pending" from accept until it has sent a complete request head,
// and again while it idles after requests none of which passed authentication. It
// is "established" while it serves a request and while it idles after an
// authenticated one (a scraper's keep-alive connection).
//   - Total cap: pending + established <= max_total. A new connection at the cap
//     does not get refused while a pending connection exists: the oldest pending
//     connection of the newcomer's address is closed instead, or, when that
//     address has none, the oldest pending connection of the address holding the
//     most pending ones. Only when every open connection is established is the
//     newcomer refused ("max_connections").
//   - Per-IP cap: counts established connections only (like nginx limit_conn,
//     which counts requests being processed). A request head that would exceed it
//     is refused ("max_connections_per_ip"); pending connections never count, so a
//     flood of half-open connections from an address cannot lock out a scraper
//     there, it only evicts itself.
// "Oldest" is the time the connection became pending. An HTTP/2 connection is
// established from its TLS handshake on (it multiplexes requests).
//
// Thread-safety: all methods may be called concurrently. Evict callbacks are run
// after the internal lock is released, on the thread that admits the newcomer;
// they must only schedule the close (e.g. post it to the connection's strand).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/mutex.h"

namespace hermes::server {

class ConnectionLimiter {
 public:
  ConnectionLimiter(int max_total, int max_per_ip)
      : max_total_(max_total), max_per_ip_(max_per_ip) {}

  struct Admission {
    uint64_t id = 0;       // 0 when refused; pass to the other methods
    bool refused = false;  // at the total cap with nothing to evict
    bool evicted = false;  // a pending connection was closed to make room
    int open = 0;          // open connections after the call
  };
  // Admits a new pending connection from `ip`. `evict` closes it (see above); it
  // is called at most once, and never after Release(id).
  Admission Admit(const std::string& ip, std::function<void()> evict) HERMES_EXCLUDES(mu_);
  // The connection sent a complete request head: counts it against the per-IP cap.
  // False when its address is at the cap (it stays pending) or it was evicted.
  bool Establish(uint64_t id) HERMES_EXCLUDES(mu_);
  // The connection idles without having authenticated: pending (and youngest) again.
  void Unestablish(uint64_t id) HERMES_EXCLUDES(mu_);
  // Forgets the connection (no-op when it was evicted); returns the number open.
  int Release(uint64_t id) HERMES_EXCLUDES(mu_);

 private:
  struct Address {
    int established = 0;
    std::map<uint64_t, uint64_t> pending;  // pending since (sequence) -> connection id
  };
  struct Conn {
    std::string ip;
    bool established = false;
    uint64_t pending_since = 0;  // valid while pending
    std::function<void()> evict;
  };
  // Removes and returns the eviction callback of the connection to close for a
  // newcomer from `ip`, or nullptr when every connection is established.
  std::function<void()> TakeVictim(const std::string& ip) HERMES_REQUIRES(mu_);
  void Erase(std::map<uint64_t, Conn>::iterator it) HERMES_REQUIRES(mu_);

  const int max_total_;
  const int max_per_ip_;
  Mutex mu_;
  std::map<uint64_t, Conn> conns_ HERMES_GUARDED_BY(mu_);
  std::map<std::string, Address> by_ip_ HERMES_GUARDED_BY(mu_);  // no empty entries
  uint64_t next_id_ HERMES_GUARDED_BY(mu_) = 1;
  uint64_t next_seq_ HERMES_GUARDED_BY(mu_) = 1;
};

}  // namespace hermes::server
