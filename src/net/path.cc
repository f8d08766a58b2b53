#include "net/path.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "net/socket.h"

namespace hermes::net {
namespace {

std::string Errno(int err) { return std::strerror(err); }

// 0, or the errno of SO_BINDTODEVICE.
int BindToDevice(int fd, const std::string& interface) {
  if (interface.empty()) return 0;
  return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                    static_cast<socklen_t>(interface.size())) == 0
             ? 0
             : errno;
}

// 0, or the errno of bind().
int BindSource(int fd, const std::optional<SocketAddress>& source) {
  if (!source) return 0;
  return bind(fd, source->get(), source->len) == 0 ? 0 : errno;
}

}  // namespace

int PathOptions::AllowedFamily() const {
  if (source) return source->family();
  return fallback ? AF_UNSPEC : preferred_family;
}

bool IsUnspecified(const SocketAddress& addr) {
  if (addr.family() == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr.storage);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 0;  // 0.0.0.0/8: "this network"
  }
  if (addr.family() != AF_INET6) return false;
  const auto& a = reinterpret_cast<const sockaddr_in6*>(&addr.storage)->sin6_addr;
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return true;
  return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 0;
}

std::string FamilyName(int family) { return family == AF_INET6 ? "IPv6" : "IPv4"; }

Result<SocketAddress> ChooseAddress(const std::vector<SocketAddress>& addrs,
                                    const PathOptions& path, const std::string& host) {
  const int only = path.AllowedFamily();
  const SocketAddress* first = nullptr;      // first usable, any allowed family
  const SocketAddress* preferred = nullptr;  // first usable of the preferred family
  const SocketAddress* refused = nullptr;    // first unspecified one
  for (const SocketAddress& a : addrs) {
    if (only != AF_UNSPEC && a.family() != only) continue;
    if (IsUnspecified(a)) {
      if (refused == nullptr) refused = &a;
      continue;
    }
    if (first == nullptr) first = &a;
    if (preferred == nullptr && a.family() == path.preferred_family) preferred = &a;
  }
  if (preferred != nullptr) return *preferred;
  if (first != nullptr) return *first;
  if (refused != nullptr) {
    return Status::Unavailable("refusing to connect to " + refused->IpString() + " (" + host +
                               "): an unspecified address reaches this host itself");
  }
  if (only == AF_UNSPEC) return Status::NotFound(host + " has no IPv4 or IPv6 address");
  return Status::NotFound(host + " has no " + FamilyName(only) + " address" +
                          (path.source ? " (source_ip_address " + path.source->IpString() + " is " +
                                             FamilyName(only) + ")"
                                       : " (ip_protocol_fallback is false)"));
}

Status BindToPath(int fd, const PathOptions& path) {
  if (path.source) {
    int domain = 0;
    socklen_t len = sizeof(domain);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
        domain != path.source->family()) {
      return Status::Unavailable("an " + FamilyName(domain) + " socket cannot use source address " +
                                 path.source->IpString());
    }
  }
  if (const int err = BindToDevice(fd, path.interface); err != 0) {
    return Status::Unavailable("bind to interface " + path.interface + ": " + Errno(err));
  }
  if (const int err = BindSource(fd, path.source); err != 0) {
    return Status::Unavailable("bind to source address " + path.source->IpString() + ": " +
                               Errno(err));
  }
  return Status::Ok();
}

Status CheckPath(const PathOptions& path) {
  if (!path.interface.empty() && if_nametoindex(path.interface.c_str()) == 0) {
    return Status::Invalid("interface: " + path.interface +
                           " is not a network interface of this host (ip link lists them)");
  }
  const int family = path.source ? path.source->family() : AF_INET;
  UniqueFd fd(socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::Internal("socket: " + Errno(errno));
  if (const int err = BindToDevice(fd.get(), path.interface); err != 0) {
    return Status::Invalid(
        "interface: cannot bind to " + path.interface + ": " + Errno(err) +
        (err == EPERM ? " (SO_BINDTODEVICE needs CAP_NET_RAW on this kernel)" : ""));
  }
  if (const int err = BindSource(fd.get(), path.source); err != 0) {
    return Status::Invalid("source_ip_address: cannot bind " + path.source->IpString() + ": " +
                           Errno(err) +
                           (err == EADDRNOTAVAIL ? "; it is not an address of this host" : ""));
  }
  return Status::Ok();
}

}  // namespace hermes::net
