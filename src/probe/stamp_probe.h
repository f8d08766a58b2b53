// stamp probe: one STAMP test session (RFC 8762, unauthenticated) against any
// session-reflector, e.g. hermes-target's (--stamp.listen-address).
//
// Method (README "stamp"): resolve `address` once (the first address), then send
// `count` test packets of `packet_size` bytes, one per `packet_interval`, and wait
// for their replies (probe/stamp_session.h). Reported under load "idle":
//   latency: every RTT = (T4 - T1) - (T3 - T2), in sequence order; median; jitter =
//            mean |IPDV| of the round trip over consecutive packets (RFC 3393);
//   packets: sent, lost (no reply), loss ratio = lost / sent; of the lost, those
//            whose direction a stateful reflector's numbers give: upload (hermes to
//            the reflector) and download; one-way jitter per direction (needs no
//            synchronised clocks); duplicated and reordered replies.
// Directions need a stateful reflector, which the session's first two packets
// reveal (stamp_stats.h); against a stateless one only round-trip loss is reported.
// Success iff at least one reply came and the reflector did not flood the session.
// Otherwise `dns` (name did not resolve), `connect` (the kernel reported the
// reflector's port unreachable, or refused to send), `protocol` (more than
// StampSession::kMaxDatagramsPerPacket datagrams per packet: the session ended
// early, the error says what came) or `timeout`.
// Data moved per run: count x packet_size up (UDP payload); back, every datagram
// read, at most packet_size each and 2 per packet sent (stamp_session.h), counted as
// transferred bytes.
//
// Thread-safety: one Run at a time per probe object (the scheduler's contract).
#pragma once

#include <memory>

#include "common/status.h"
#include "config/stamp_config.h"
#include "net/resolver.h"
#include "probe/kind.h"
#include "probe/probe.h"
#include "probe/stamp_stats.h"

namespace hermes::probe {

Result<std::unique_ptr<Probe>> NewStampProbe(const config::StampConfig& cfg);
// The same with the resolver injected (tests).
Result<std::unique_ptr<Probe>> NewStampProbe(const config::StampConfig& cfg,
                                             std::unique_ptr<net::Resolver> resolver);

// latency{idle}, packets{idle}, stamp{idle} and transferred bytes both ways.
ResultLayout StampLayout(const config::ProbeConfig& cfg);

// Fills result.packets[load] (and the RTT samples, when `latency` is given) from
// one segment of a STAMP session; shared with the speedtest's loaded stream.
void FillStampResult(const StampSegmentStats& s, PacketResult& packets, LatencyResult* latency);

}  // namespace hermes::probe
