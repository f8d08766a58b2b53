// dns probe: one query of `type` for `query` at `server` (or the system resolver).
//
// Method (README): one DNS query over `transport` (udp, or tcp), one try, with the
// whole remaining deadline as its timeout (c-ares retries over TCP only when a UDP
// answer is truncated). Resolve time = query sent -> response received; it is
// phase{phase=resolve}. Success iff the response's rcode is in `valid_rcodes`

// (default NOERROR; an empty NOERROR answer counts as success). Failures: rcode not
// valid -> `dns`; no response before the deadline (or cancelled) -> `timeout`;
// connection refused / port unreachable -> `connect`; malformed response ->
// `protocol`. The rcode and answer count go into the result's error text (status
// page only, never a label). Data moved per run: one query (~30-60 bytes) and its
// response, counted as transferred bytes upload/download.
//
// `server` must be an IP literal with optional port ("192.0.2.53", "[2001:db8::1]:53");
// a host name there is rejected at config load, since resolving the resolver would
// hide what is being measured.
//
// Thread-safety: one Run at a time per probe object (the scheduler's contract).
#pragma once

#include <memory>

#include "common/status.h"
#include "config/dns_config.h"
#include "net/dns_client.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe {

// Validates query, query_type, transport, server and valid_rcodes.
Result<std::unique_ptr<Probe>> NewDnsProbe(const config::DnsConfig& cfg);
// The same, with an injected client (tests).
Result<std::unique_ptr<Probe>> NewDnsProbe(const config::DnsConfig& cfg,
                                           std::unique_ptr<net::DnsClient> client);

// phase resolve; transferred bytes (query up, response down).
ResultLayout DnsLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
