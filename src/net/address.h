// SocketAddress and "host:port" parsing.
//
// SocketAddress is a value holding an IPv4 or IPv6 sockaddr, as resolvers return and
// sockets consume. SplitHostPort parses the address syntax the config uses:
// "host:port", "1.2.3.4:port", "[::1]:port". Pure functions; thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  uint16_t port() const;
  void set_port(uint16_t port);
  // "192.0.2.1:443", "[2001:db8::1]:443"; without ":port" when port is 0.
  std::string ToString() const;
  // The address without port ("192.0.2.1", "2001:db8::1").
  std::string IpString() const;

  // An address from an IP literal ("127.0.0.1", "::1"); nullopt if `ip` is not one.
  static std::optional<SocketAddress> FromIp(std::string_view ip, uint16_t port);
  static SocketAddress FromSockaddr(const sockaddr* sa, socklen_t len);
};

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

// Parses "host:port" or "[v6]:port". When `default_port` is set, a missing port is
// allowed ("host", "[::1]", or a bare IPv6 literal). Errors are kInvalidArgument
// with a message naming the input.
Result<HostPort> SplitHostPort(std::string_view s,
                               std::optional<uint16_t> default_port = std::nullopt);

}  // namespace hermes::net
