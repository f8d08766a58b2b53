// icmp probe: `samples` ICMP echo requests to `host` (IPv4 or IPv6).
//
// Method (README): resolve the host once, then send `samples` echo

// requests (64-byte ICMP messages, sequence 0..samples-1) spaced
// min(100 ms, remaining / (samples + 1)) apart, receiving replies in between. After
// the last send, wait until every reply is in or min(1 s, what remains of the
// deadline) has passed. RTT per reply = send -> reply, matched by sequence (and id
// and source address on raw sockets).
//   packets_sent = requests sent, packets_lost = requests without a reply,
//   loss ratio = lost / sent, latency{load=idle} = RTTs in sequence order;
//   median; jitter = mean |rtt[i] - rtt[i-1]|.
// Success iff at least one reply arrived. Otherwise `dns` (name did not resolve),
// `connect` (the kernel refused every send: no route, unreachable) or `timeout`.
// Data moved per run: samples x 64 bytes out and up to as many back (ICMP messages
// without IP headers), counted as transferred bytes upload/download.
//
// Sockets: unprivileged ping sockets where net.ipv4.ping_group_range allows,
// otherwise raw sockets with CAP_NET_RAW, otherwise the factory fails at config
// load with a message saying what to change (net/icmp.h).
//
// Thread-safety: one Run at a time per probe object (the scheduler's contract).
#pragma once

#include <memory>

#include "common/status.h"
#include "config/icmp_config.h"
#include "net/icmp.h"
#include "net/resolver.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe {

// Validates host and samples and checks that this process can send ICMP echoes.
Result<std::unique_ptr<Probe>> NewIcmpProbe(const config::IcmpConfig& cfg);
// The same with the permission check's result and the resolver injected (tests).
Result<std::unique_ptr<Probe>> NewIcmpProbe(const config::IcmpConfig& cfg,
                                            const net::IcmpCapabilities& caps,
                                            std::unique_ptr<net::Resolver> resolver);

// latency{idle}, packets and transferred bytes (echo requests up, replies down).
ResultLayout IcmpLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
