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

}  // namespace hermes::probe
