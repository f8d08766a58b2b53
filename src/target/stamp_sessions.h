// StampSessions: the STAMP session-reflector's admission and sequence numbering,
// separate from its socket so that every limit is testable with plain values.
//
// Each valid test packet is admitted or dropped:
//   - per client address (IPv6: per /64, which one host may own whole), a token bucket of
//   `packets_per_second` (burst: one
//     second's worth) bounds what one sender can make the reflector send;
//   - at most `max_clients` client addresses are tracked; a packet from a new
//     address when the table is full (after expiring idle ones) is dropped;
//   - stateful mode (RFC 8762 section 4.3.1) keeps one session per (client address,
//     client port, SSID), at most `max_sessions_per_client` per address (a new one
//     replaces that address' least recently used one, so an address can only evict
//     its own sessions). A session's reply Sequence Numbers count the packets it
//     reflected: 0, 1, 2, ... so the sender can tell forward from backward loss.
//     Stateless mode echoes the sender's Sequence Number and keeps no sessions.
// Clients and sessions idle for `idle_timeout` are forgotten. Memory is bounded by
// max_clients x max_sessions_per_client small records.
//
// Thread-safety: none; the reflector's one thread owns it.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "net/address.h"

namespace hermes::target {

struct StampLimits {
  bool stateless = false;         // RFC 8762 4.3.1: stateful (the default) numbers its own replies
  int packets_per_second = 1000;  // per client address
  int max_clients = 1024;
  int max_sessions_per_client = 64;
  Duration idle_timeout = std::chrono::seconds(60);
};

enum class StampVerdict { kReflect, kRateLimited, kTooManyClients };

class StampSessions {
 public:
  explicit StampSessions(StampLimits limits) : limits_(limits) {}

  // Decides on one valid test packet from `client` (address and port). On kReflect,
  // returns the reply's Sequence Number in *sequence.
  StampVerdict Admit(const net::SocketAddress& client, uint16_t ssid, uint32_t sender_sequence,
                     SteadyTime now, uint32_t* sequence);

  size_t clients() const { return clients_.size(); }
  size_t sessions() const { return sessions_; }

 private:
  using IpKey = std::array<uint8_t, 16>;  // IPv4 as IPv4-mapped IPv6; IPv6 as its /64
  struct IpKeyHash {
    size_t operator()(const IpKey& k) const;
  };
  struct Session {
    uint16_t port = 0;
    uint16_t ssid = 0;
    uint32_t next_sequence = 0;
    SteadyTime last_seen;
  };
  struct Client {
    double tokens = 0;
    SteadyTime refilled;
    SteadyTime last_seen;
    std::vector<Session> sessions;
  };

  static IpKey KeyOf(const net::SocketAddress& a);
  bool TakeToken(Client& c, SteadyTime now) const;
  uint32_t NextSequence(Client& c, uint16_t port, uint16_t ssid, SteadyTime now);
  void Expire(SteadyTime now);

  const StampLimits limits_;
  std::unordered_map<IpKey, Client, IpKeyHash> clients_;
  size_t sessions_ = 0;  // over all clients
  SteadyTime next_sweep_{};
};

}  // namespace hermes::target
