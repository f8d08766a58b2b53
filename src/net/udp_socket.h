// UdpSocket: a non-blocking UDP socket that reports, per datagram, what an active
// measurement needs from the kernel:
//   - how long ago the kernel received it (SO_TIMESTAMPNS), so a receiver's
//     wake-up latency on a loaded host does not count as network delay;
//   - the IPv4 TTL / IPv6 Hop Limit it arrived with (IP_RECVTTL, IPV6_RECVHOPLIMIT);
//   - the local address it was sent to (IP_PKTINFO, IPV6_RECVPKTINFO), so a server
//     bound to all interfaces answers from the address the client used.
// Sockets send with TTL / Hop Limit 255 (as TWAMP and STAMP endpoints do).
//
// The receive age is the one place hermes reads the system's real-time clock
// outside Clock: the kernel stamps datagrams with CLOCK_REALTIME, and the age (now
// minus that stamp, both real time) is what callers subtract from their own
// Clock's reading. An age outside [0, 1 s] (a clock step) is reported as 0.
//
// Thread-safety: a UdpSocket is used by one thread at a time.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <span>

#include "common/clock.h"
#include "common/status.h"
#include "net/address.h"
#include "net/path.h"
#include "net/socket.h"

namespace hermes::net {

// The local address a datagram was sent to, as the kernel reported it.
struct LocalDestination {
  int family = 0;  // AF_INET or AF_INET6; 0 = unknown (answer from the routed address)
  in_pktinfo v4{};
  in6_pktinfo v6{};
};

struct ReceivedDatagram {
  size_t size = 0;         // bytes stored in the buffer
  bool truncated = false;  // the datagram was larger than the buffer
  SocketAddress from;
  std::optional<uint8_t> ttl;
  Duration age{};  // since the kernel received it; 0 when unknown
  LocalDestination to;
};

class UdpSocket {
 public:
  // A socket bound to `local` (port 0: an ephemeral port). An IPv6 wildcard address
  // with `dual_stack` also receives IPv4 (as IPv4-mapped addresses).
  static Result<UdpSocket> Bind(const SocketAddress& local, bool dual_stack);
  // A socket on an ephemeral port, bound to `path` (BindToPath) and connected to
  // `peer`: it receives only `peer`'s datagrams, and an ICMP port-unreachable from it
  // surfaces as kUnavailable (as does a path this host cannot bind to).
  static Result<UdpSocket> Connect(const SocketAddress& peer, const PathOptions& path = {});

  // Connected sockets only.
  Status Send(std::span<const uint8_t> data);
  // Sends to `to`, from the local address in `from` when known.
  Status SendTo(std::span<const uint8_t> data, const SocketAddress& to,
                const LocalDestination& from);
  // Reads one pending datagram into `buf` without blocking. nullopt when none is
  // pending; kUnavailable for a socket error (e.g. the peer's port is closed).
  Result<std::optional<ReceivedDatagram>> TryReceive(std::span<uint8_t> buf);

  uint16_t LocalPort() const;
  int fd() const { return fd_.get(); }

 private:
  explicit UdpSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace hermes::net
