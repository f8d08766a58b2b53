// tcp probe: `samples` sequential TCP connects to `address` ("host:port").
//
// Method (README): resolve the host once, then connect `samples` times in sequence
// to the address the probe's path picks (net::ChooseAddress: family preference,
// never an unspecified address), from the path's source address / interface. Each connect gets an
// equal share of what remains of the run's deadline (remaining / connects left, so time a fast
// connect leaves over goes to the later ones) and is closed as soon as it is established; no
// payload is sent. RTT per connect = connect() -> writable with SO_ERROR 0.
//   packets_sent = connects attempted, packets_lost = connects failed,
//   loss ratio = failed / attempted,
//   latency{load=idle} = every RTT; median; jitter = mean |rtt[i] - rtt[i-1]|.
// Success iff at least one connect succeeded (loss < 1). Otherwise the reason is
// `dns` (name did not resolve, or not to an allowed family), `connect` (any attempt
// refused/unreachable, or the name resolved to an unspecified address) or
// `timeout` (every attempt timed out, the deadline passed, or the run was
// cancelled). Data moved per run: TCP handshakes and FIN/RST only, no payload.
//
// Thread-safety: one Run at a time per probe object (the scheduler's contract).
#pragma once

#include <memory>

#include "common/status.h"
#include "config/tcp_config.h"
#include "net/resolver.h"
#include "net/socket.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe {

// Validates cfg.address ("host:port", "[v6]:port") and cfg.samples (1..100).
Result<std::unique_ptr<Probe>> NewTcpProbe(const config::TcpConfig& cfg);
// The same, with injected resolver and dialer (tests).
Result<std::unique_ptr<Probe>> NewTcpProbe(const config::TcpConfig& cfg,
                                           std::unique_ptr<net::Resolver> resolver,
                                           std::unique_ptr<net::Dialer> dialer);

// latency{idle} and packets.
ResultLayout TcpLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
