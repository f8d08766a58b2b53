#include "net/address.h"

#include <arpa/inet.h>

#include <cstring>

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
  HostPort hp;
  std::string_view port_part;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return Status::Invalid("address " + quoted + " has an unclosed '['");
    }
    hp.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::Invalid("address " + quoted + " is not [host]:port");
      port_part = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = s.rfind(':');
    if (colon != std::string_view::npos && s.find(':') != colon) {
      // Several colons and no brackets: a bare IPv6 literal without a port.
      hp.host = std::string(s);
    } else if (colon != std::string_view::npos) {
      hp.host = std::string(s.substr(0, colon));
      port_part = s.substr(colon + 1);
      has_port = true;
    } else {
      hp.host = std::string(s);
    }
  }
  if (hp.host.empty()) return Status::Invalid("address " + quoted + " has an empty host");
  if (!has_port) {
    if (!default_port) {
      return Status::Invalid("address " + quoted + " needs a port (\"host:port\", \"[v6]:port\")");
    }
    hp.port = *default_port;
    return hp;
  }
  const std::optional<uint16_t> port = ParseNumber<uint16_t>(port_part);
  if (!port || *port == 0) {
    return Status::Invalid("address " + quoted + " has an invalid port (want 1-65535)");
  }
  hp.port = *port;
  return hp;
}

}  // namespace hermes::net
