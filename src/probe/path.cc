#include "probe/path.h"

namespace hermes::probe {

net::PathOptions PathOf(const config::PathConfig& path) {
  net::PathOptions p;
  if (!path.source_ip_address.empty())
    p.source = net::SocketAddress::FromIp(path.source_ip_address, 0);
  p.interface = path.interface;
  if (path.preferred_ip_protocol == "ip4") p.preferred_family = AF_INET;
  if (path.preferred_ip_protocol == "ip6") p.preferred_family = AF_INET6;
  p.fallback = path.ip_protocol_fallback;
  return p;
}

std::optional<net::SocketAddress> ResolvePeer(net::Resolver& resolver, const std::string& host,
                                              uint16_t port, const net::PathOptions& path,
                                              const net::Deadline& d, ProbeResult* failure) {
  auto addrs = resolver.Resolve(host, port, d);
  if (!addrs.ok()) {
    const bool timed_out = addrs.status().code() == StatusCode::kDeadlineExceeded;
    *failure = ProbeResult::Failure(timed_out ? FailureReason::kTimeout : FailureReason::kDns,
                                    addrs.status().message());
    return std::nullopt;
  }
  auto chosen = net::ChooseAddress(*addrs, path, host);
  if (!chosen.ok()) {
    const bool dns = chosen.status().code() == StatusCode::kNotFound;
    *failure = ProbeResult::Failure(dns ? FailureReason::kDns : FailureReason::kConnect,
                                    chosen.status().message());
    return std::nullopt;
  }
  return *chosen;
}

}  // namespace hermes::probe
