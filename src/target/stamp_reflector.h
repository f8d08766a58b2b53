// StampReflector: hermes-target's STAMP session-reflector (RFC 8762, unauthenticated
// mode), the far end of `stamp` probes and of speedtest probes' `loaded_stamp`.
//
// It answers each valid Session-Sender test packet with a Session-Reflector test
// packet of the same size (the octets after the 44-octet base are copied from the
// request: symmetrical size, RFC 8762 section 4.3), from the local address the
// request was sent to. Receive Timestamp is the kernel's receive time, Timestamp is
// taken just before sending, both NTP format from the Clock's wall time; Session-
// Sender TTL is the received TTL / Hop Limit; the SSID (RFC 8972) is copied.
// Admission, rate limits and sequence numbering: target/stamp_sessions.h.
//
// Hostile input: datagrams shorter than the base packet (RFC 8762 would answer a
// 44-octet base packet, an amplification) or longer than kMaxDatagramBytes are
// dropped, so a reply is never larger than its request; each client address is
// rate-limited and the state is bounded (stamp_sessions.h).
//
// Threads: one, named "hermes-stamp", started by Start() and joined by Stop() or the
// destructor. It has its own socket and thread so that answering never queues
// behind the HTTP listener's work while a speed test saturates the target.
// counters() may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "net/socket.h"
#include "net/stamp_packet.h"
#include "net/udp_socket.h"
#include "target/stamp_sessions.h"

namespace hermes::target {

struct StampReflectorOptions {
  // host:port, :port (all interfaces, IPv6 and IPv4) or [ipv6]:port; IP literals only.
  std::string listen_address;
  StampLimits limits;
};

struct StampCounters {
  uint64_t reflected = 0;  // replies sent (send_errors of them refused by the kernel)
  uint64_t malformed = 0;  // shorter than the base packet, or truncated
  // From a reflector's port (862, or this reflector's own): answering would let two
  // reflectors bounce one spoofed packet between them for ever.
  uint64_t from_reflector_port = 0;
  uint64_t rate_limited = 0;
  uint64_t too_many_clients = 0;
  uint64_t send_errors = 0;
  // The state held now (StampSessions' bounds): client addresses and sessions.
  uint64_t clients = 0;
  uint64_t sessions = 0;
};

class StampReflector {
 public:
  // Largest datagram reflected (a larger one is truncated by the kernel and dropped).
  static constexpr size_t kMaxDatagramBytes = 9216;

  // Checks the options (kInvalidArgument naming the address). `clock` must outlive
  // the reflector.
  static Result<std::unique_ptr<StampReflector>> Create(const StampReflectorOptions& options,
                                                        Clock& clock);
  ~StampReflector();
  StampReflector(const StampReflector&) = delete;
  StampReflector& operator=(const StampReflector&) = delete;

  // Binds the socket (kUnavailable when it cannot) and starts the thread. Once.
  Status Start();
  // Stops the thread; idempotent.
  void Stop();
  // The bound port (after Start(); useful with port 0).
  uint16_t port() const { return port_; }
  StampCounters counters() const;

 private:
  StampReflector(std::string listen_address, net::SocketAddress address, bool wildcard,
                 net::UniqueFd wake, StampLimits limits, Clock& clock);
  void Loop();
  void Handle(uint8_t* buf, const net::ReceivedDatagram& d);

  const std::string listen_address_;  // as given, for messages
  const net::SocketAddress address_;
  const bool wildcard_;  // all interfaces: dual-stack IPv6, else IPv4
  std::optional<net::UdpSocket> socket_;
  net::UniqueFd wake_;  // eventfd: Stop() writes it to end the poll
  StampSessions sessions_;
  Clock& clock_;
  uint16_t port_ = 0;
  net::stamp::ErrorEstimate error_;  // this host's clock, refreshed every second
  SteadyTime error_refresh_at_{};
  std::thread thread_;
  std::atomic<uint64_t> reflected_{0}, malformed_{0}, from_reflector_port_{0}, rate_limited_{0},
      too_many_clients_{0}, send_errors_{0}, clients_held_{0}, sessions_held_{0};
};

}  // namespace hermes::target
