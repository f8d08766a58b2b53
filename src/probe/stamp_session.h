// StampSession: a STAMP session-sender (RFC 8762, unauthenticated mode) for any
// STAMP session-reflector: the stamp probe's engine and the speedtest probe's
// loaded stream.
//
// Run() sends test packets isochronously, one per `interval` on a fixed schedule (a
// wake-up later than one interval sends at once and restarts the schedule from
// there, so a stalled thread never bursts), from its own UDP socket
// connected to the reflector (one socket = one STAMP session: sequence numbers
// from 0, a random non-zero RFC 8972 SSID, packets of `packet_bytes`, zero-padded).
// Until a reply has shown the reflector's own numbers, a pair of packets goes out in
// swapped order (k+1, then k) every kSwapEvery packets, starting with the first
// two: a stateful reflector shows itself that way (stamp_stats.h).
// Replies are matched by Sender Sequence Number, are at most the packet's size (RFC
// 8762: unauthenticated replies are the sender's size; a base-size reply is taken) and
// must echo the packet's own
// Sender Timestamp and its SSID (or 0, from reflectors without RFC 8972), so stray,
// forged or oversized datagrams are ignored. T1 is read from the Clock just before sending,
// T4 is the Clock's time minus the kernel's receive age (net/udp_socket.h).
// Sending stops after `count` packets, when `stop` is set (checked at least every
// net::kPollSlice) or at `send_until`; then Run() waits for outstanding replies until every
// packet is answered or max(1 s, 3 x the largest RTT seen) after the last send,
// never past the deadline. Each record carries `segment_at(its sending time)`, so a
// caller can tell phases of a measurement apart (stamp_stats.h).
//
// Data moved: `packet_bytes` per packet sent (UDP payload), and every datagram read
// counted as received, reply or not, at most `packet_bytes` each (a larger one is
// read truncated into a buffer of that size). A session reads at most
// kMaxDatagramsPerPacket datagrams per packet sent: the reply and one duplicate or
// stray. When one more is waiting, it stops reading and ends at once, with overrun()
// saying what the reflector sent. So a run moves at most count x packet_bytes out
// and kMaxDatagramsPerPacket x count x packet_bytes back, whatever the far end does.
//
// Thread-safety: Run() on one thread; `stop` may be set and `segment_at` may read
// state written by other threads (its own synchronisation).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/stamp_config.h"
#include "net/address.h"
#include "net/deadline.h"
#include "net/udp_socket.h"
#include "probe/stamp_stats.h"

namespace hermes::probe {

struct StampSessionOptions {
  Duration interval = std::chrono::milliseconds(20);
  size_t packet_bytes = net::stamp::kBasePacketBytes;  // 44 .. kMaxPacketBytes
  uint32_t count = 100;
  net::PathOptions path;  // the probe's path keys; the socket is bound to it
};

class StampSession {
 public:
  // Packets between swapped pairs while the reflector has not shown its numbers.
  static constexpr uint32_t kSwapEvery = 16;
  // Datagrams read per packet sent, at most (the config's budget: StampMaxBytes).
  static constexpr uint64_t kMaxDatagramsPerPacket = config::kStampMaxDatagramsPerPacket;

  // Opens the socket (kUnavailable when the kernel refuses: no route, no family).
  static Result<StampSession> Open(const net::SocketAddress& reflector,
                                   const StampSessionOptions& options);

  // Runs the session (see above). Returns kDeadlineExceeded when cancelled through
  // `d`, otherwise OK: what was measured is in packets(), even when nothing came back.
  Status Run(Clock& clock, const net::Deadline& d, SteadyTime send_until,
             const std::atomic<bool>& stop, const std::function<int(SteadyTime)>& segment_at);

  const std::vector<StampPacketRecord>& packets() const { return packets_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  // The last socket error (e.g. "Connection refused" from an ICMP port unreachable),
  // or "" when none.
  const std::string& last_error() const { return last_error_; }
  const net::SocketAddress& reflector() const { return reflector_; }
  // Why the session ended early because the reflector sent more datagrams than
  // kMaxDatagramsPerPacket per packet (what it sent), or "" when it did not.
  const std::string& overrun() const { return overrun_; }

 private:
  StampSession(net::UdpSocket socket, const net::SocketAddress& reflector,
               const StampSessionOptions& options, uint16_t ssid);
  // The next packet of the schedule (a swapped pair's second one first).
  void SendNext(Clock& clock, int segment);
  void Send(Clock& clock, uint32_t sequence, int segment, bool swapped);
  void Receive(Clock& clock);
  // Reads one datagram and counts it; false when none was waiting.
  bool ReceiveOne(Clock& clock);

  net::UdpSocket socket_;
  net::SocketAddress reflector_;
  StampSessionOptions options_;
  uint16_t ssid_;
  std::vector<StampPacketRecord> packets_;
  std::vector<net::stamp::NtpTimestamp> sender_timestamps_;  // T1 as sent, by sequence
  std::vector<uint8_t> buf_;
  uint32_t next_sequence_ = 0;         // the lowest not yet allocated
  std::optional<uint32_t> swap_owed_;  // a swapped pair's first packet, due next
  uint32_t since_swap_ = kSwapEvery;   // packets since the last swapped pair: swap first
  bool shown_stateful_ = false;        // a reply had R != S
  SteadyTime last_sent_{};
  uint32_t highest_answered_ = 0;
  bool any_answered_ = false;
  uint64_t answered_ = 0;
  Duration max_rtt_{};
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t packets_sent_ = 0;
  uint64_t datagrams_read_ = 0;
  uint64_t not_replies_ = 0;  // datagrams read that answer none of the packets
  uint64_t oversized_ = 0;    // of which larger than the packets sent
  uint64_t duplicates_ = 0;   // replies beyond the first for a packet
  std::string last_error_;
  std::string overrun_;
};

}  // namespace hermes::probe
