// A probe's path keys (config::PathConfig) as the net layer applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "net/deadline.h"
#include "net/path.h"
#include "net/resolver.h"
#include "probe/probe.h"

namespace hermes::probe {

// source_ip_address, interface, preferred_ip_protocol and ip_protocol_fallback of a
// parsed config (whose values the parser has validated).
net::PathOptions PathOf(const config::PathConfig& path);

// The address of host:port a probe sends to: resolved, then chosen as `path` allows
// (net::ChooseAddress). When there is none, *failure is the run's result: kTimeout
// when the deadline cut resolution short, kDns for a name without a usable address,
// kConnect when the path allows none of its addresses.
std::optional<net::SocketAddress> ResolvePeer(net::Resolver& resolver, const std::string& host,
                                              uint16_t port, const net::PathOptions& path,
                                              const net::Deadline& d, ProbeResult* failure);

}  // namespace hermes::probe
