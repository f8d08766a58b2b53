// Resolver: host name -> socket addresses, behind a small interface so probes can
// take a fake in tests.
//
// The system resolver uses c-ares (ares_getaddrinfo: /etc/hosts, then the servers
// in /etc/resolv.conf) driven by AresChannel, so it honours the run's deadline and
// cancellation, unlike getaddrinfo(3). IP literals never touch the network.
//
// Thread-safety: NewSystemResolver()'s resolver keeps no state between calls (each
// call opens its own channel) and is safe to use concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/address.h"
#include "net/deadline.h"

namespace hermes::net {

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Returns the addresses of `host` (IPv4 and IPv6, in resolver order) with `port`
  // set. Never returns an empty vector. Errors:
  //   kNotFound          the name does not exist or has no address
  //   kUnavailable       the resolver failed (no server answered, bad config)
  //   kDeadlineExceeded  the deadline passed or the run was cancelled
  virtual Result<std::vector<SocketAddress>> Resolve(const std::string& host, uint16_t port,
                                                     const Deadline& d) = 0;
};

std::unique_ptr<Resolver> NewSystemResolver();

}  // namespace hermes::net
