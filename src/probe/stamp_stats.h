// STAMP session statistics: what one test session's packets say about the path,
// computed from the session-sender's per-packet records (probe/stamp_session.h)
// without I/O, so every rule is testable from plain values.
//
// Per packet (RFC 8762 timestamps: T1 sent, T2 reflector received, T3 reflector
// sent, T4 received back; T1/T4 on hermes' clock, T2/T3 on the reflector's):
//   RTT = (T4 - T1) - (T3 - T2)     the reflector's own time taken out; when T2/T3
//                                   are unusable (zero, T3 < T2, or T3 - T2 larger
//                                   than T4 - T1) RTT = T4 - T1.
// Per pair of consecutive packets i-1, i (sequence numbers, both answered, same
// segment), IPDV as RFC 3393 / RFC 5481 define it (the clocks' offset cancels, so
// one-way IPDV needs no synchronised clocks):
//   round trip  RTT(i) - RTT(i-1)
//   forward     (T2(i) - T2(i-1)) - (T1(i) - T1(i-1))
//   backward    (T4(i) - T4(i-1)) - (T3(i) - T3(i-1))
// reported as the mean absolute value (hermes' jitter).
//
// Loss: a packet is lost when no reply came. Its direction comes from a stateful
// reflector's own sequence numbers R (0, 1, 2, ... per session, counting what it
// reflected): between two answered packets with sender numbers a < b, the
// unanswered ones split into R(b) - R(a) - 1 - (answered in between) lost on the
// way back (the reflector sent them) and the rest lost on the way there; the
// session's start counts as a = -1 with R = -1. A stateless reflector echoes the
// sender's numbers (R = S), which a stateful one also does as long as nothing is
// lost on the way there; so until a reply has shown R != S, the session sends a
// pair of packets in swapped order now and then (k+1, then k; stamp_session.h): a
// stateful reflector numbers them in arrival order and shows itself. Swapped
// packets are no anchors: the gap around them spans them. Gaps whose numbers do not
// fit (reordering, a reflector that did not start at 0), packets after the last
// answered one, and every loss when no reply proved the reflector stateful have no
// direction: they count in `lost` only.
//
// Duplicates: replies beyond the first for one packet. Reordered: a packet whose
// first reply came after the reply of a packet sent later (RFC 4737's reordered
// singleton, counted over the round trip).
//
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "net/stamp_packet.h"

namespace hermes::probe {

// One test packet of a session; a session's records are indexed by the packet's
// Sender Sequence Number.
struct StampPacketRecord {
  int segment = 0;  // what the caller was measuring when it was sent; < 0: not counted
  SteadyTime sent;  // T1
  bool answered = false;
  SteadyTime received;  // T4 of the first reply
  uint32_t reflector_sequence = 0;
  net::stamp::NtpTimestamp reflector_received;  // T2
  net::stamp::NtpTimestamp reflector_sent;      // T3
  uint32_t duplicates = 0;
  // Of those, copies the reflector numbered anew: the packet was duplicated on the way
  // there, and each copy took a reflector number.
  uint32_t extra_reflections = 0;
  bool reordered = false;
  bool swapped = false;  // sent in swapped order with its neighbour (see above)
};

struct StampSegmentStats {
  uint64_t sent = 0;
  uint64_t received = 0;  // packets answered at least once
  uint64_t lost = 0;      // sent - received
  uint64_t lost_forward = 0;
  uint64_t lost_backward = 0;  // forward + backward <= lost; the rest has no direction
  uint64_t duplicates = 0;
  uint64_t reordered = 0;
  std::vector<double> rtt_seconds;  // answered packets in sequence order
  std::optional<double> ipdv_seconds;
  std::optional<double> ipdv_forward_seconds;
  std::optional<double> ipdv_backward_seconds;
};

struct StampAnalysis {
  bool reflector_stateful = false;  // a reply had R != S
  std::vector<StampSegmentStats> segments;
};

// Statistics of `packets` for segments 0 .. segments-1.
StampAnalysis AnalyzeStampSession(const std::vector<StampPacketRecord>& packets, int segments);

// The RTT of an answered packet, as defined above.
Duration StampRtt(const StampPacketRecord& p);

}  // namespace hermes::probe
