// ConnectionLimiter: admission control for accepted connections, total and per
// client IP. Excess connections are refused (the caller closes them at once),
// never queued.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <map>
#include <string>

#include "common/mutex.h"

namespace hermes::server {

class ConnectionLimiter {
 public:
  ConnectionLimiter(int max_total, int max_per_ip)
      : max_total_(max_total), max_per_ip_(max_per_ip) {}

  // Admits a connection from `ip` and returns nullptr, or returns the rejection
  // reason ("max_connections" or "max_connections_per_ip") and admits nothing.
  // `open_after` receives the number of open connections after the call.
  const char* TryAcquire(const std::string& ip, int* open_after);
  // Releases a connection admitted for `ip`; returns the number still open.
  int Release(const std::string& ip);
  int Open() const;

 private:
  const int max_total_;
  const int max_per_ip_;
  mutable Mutex mu_;
  int open_ HERMES_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> per_ip_ HERMES_GUARDED_BY(mu_);  // entries > 0 only
};

}  // namespace hermes::server
