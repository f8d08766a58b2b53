#include "net/address.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/host_port.h"
#include "common/parse_number.h"

namespace hermes::net {

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  }
  return 0;
}

void SocketAddress::set_port(uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

std::string SocketAddress::IpString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof(buf));
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf,
              sizeof(buf));
  }
  return buf;
}

std::string SocketAddress::ToString() const {
  std::string ip = IpString();
  if (family() == AF_INET6) ip = "[" + ip + "]";
  if (port() == 0) return ip;
  return ip + ":" + std::to_string(port());
}

std::optional<SocketAddress> SocketAddress::FromIp(std::string_view ip, uint16_t port) {
  const std::string s(ip);
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

SocketAddress SocketAddress::FromSockaddr(const sockaddr* sa, socklen_t len) {
  SocketAddress a;
  a.len = std::min<socklen_t>(len, sizeof(a.storage));
  std::memcpy(&a.storage, sa, a.len);
  return a;
}

Result<HostPort> SplitHostPort(std::string_view s, std::optional<uint16_t> default_port) {
  const std::string quoted = "\"" + std::string(s) + "\"";
  Result<HostPortParts> parts = SplitHostPortParts(s);
  if (!parts.ok()) return Status::Invalid("address " + quoted + " " + parts.status().message());
  HostPort hp;
  hp.host = std::string(parts->host);
  if (hp.host.empty()) return Status::Invalid("address " + quoted + " has an empty host");
  if (!parts->port) {
    if (!default_port) {
      return Status::Invalid("address " + quoted + " needs a port (\"host:port\", \"[v6]:port\")");
    }
    hp.port = *default_port;
    return hp;
  }
  const std::optional<uint16_t> port = ParseNumber<uint16_t>(*parts->port);
  if (!port || *port == 0) {
    return Status::Invalid("address " + quoted + " has an invalid port (want 1-65535)");
  }
  hp.port = *port;
  return hp;
}

}  // namespace hermes::net
