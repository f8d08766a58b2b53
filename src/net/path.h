// The path a probe means: the local address and interface its packets leave by, and
// the IP family it uses (the probe keys source_ip_address, interface,
// preferred_ip_protocol and ip_protocol_fallback; README "The path you mean").
//
// Every kind applies a PathOptions the same way: it picks the address to reach with
// ChooseAddress() (or, where a library resolves, restricts the family to what
// AllowedFamily() says), and binds each socket it opens with BindToPath() before
// connect() or sendto(). Addresses that would reach this host's own listeners
// (IsUnspecified) are never used as a destination, whatever the name resolved to.
//
// Thread-safety: values and pure functions; BindToPath and CheckPath only touch
// the sockets they are given or open.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/address.h"

namespace hermes::net {

struct PathOptions {
  std::optional<SocketAddress> source;  // port 0; nullopt: the kernel's choice
  std::string interface;                // "": the routing table's choice
  int preferred_family = AF_UNSPEC;     // AF_INET, AF_INET6, or AF_UNSPEC: resolver order
  bool fallback = true;  // with a preferred family: the other one when it has no address

  // The only family this path may use (the source address's, or the preferred one
  // without fallback), or AF_UNSPEC when either may be used.
  int AllowedFamily() const;
};

// 0.0.0.0/8, ::, and ::ffff:0.0.0.0/104: a connect() to them reaches this host.
bool IsUnspecified(const SocketAddress& addr);

// "IPv4" / "IPv6".
std::string FamilyName(int family);

// The address to use among a resolver's answer for `host`: the first of the
// preferred family, else (with fallback, or without a preference) the first
// allowed one, never an unspecified one. kNotFound when the name has no address of
// an allowed family; kUnavailable when only unspecified addresses remain (a target
// that would be this host itself).
Result<SocketAddress> ChooseAddress(const std::vector<SocketAddress>& addrs,
                                    const PathOptions& path, const std::string& host);

// Binds `fd` (any family and type) as `path` says: SO_BINDTODEVICE to the
// interface, then bind() to the source address with port 0. A socket of another
// family than the source address is refused. kUnavailable with the errno text.
Status BindToPath(int fd, const PathOptions& path);

// Opens (and closes) a socket per configured item to check that the path can be
// used on this host: the interface exists and may be bound to, the source address
// is one of this host's. kInvalidArgument naming the key (interface,
// source_ip_address) and what to do.
Status CheckPath(const PathOptions& path);

}  // namespace hermes::net
