// ICMP echo: socket permission checks, an echo socket, and the pure packet helpers.
//
// Two socket kinds can send echo requests without a setuid helper:
//   kPing  unprivileged "ping sockets" (SOCK_DGRAM, IPPROTO_ICMP[V6]), allowed when
//          the process's gid is within sysctl net.ipv4.ping_group_range (which also
//          governs ICMPv6). The kernel picks the echo id, fills the checksum and
//          delivers only replies to this socket's id.
//   kRaw   raw sockets (SOCK_RAW), which need CAP_NET_RAW. Every ICMP packet reaches
//          the socket; replies are matched by id, sequence and source address.
// DetectIcmpCapabilities() checks both by opening (and closing) a socket of each
// kind; ChooseIcmpSocket() turns the result into a kind or a clear error. They are
// split so the error path is testable without changing the system.
//
// Thread-safety: the free functions are pure or stateless. An IcmpSocket is used
// by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "net/address.h"
#include "net/path.h"
#include "net/socket.h"

namespace hermes::net {

enum class IcmpSocketKind { kPing, kRaw };

struct IcmpCapabilities {
  bool ping_socket = false;      // socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) works
  bool raw_socket = false;       // socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) works
  unsigned gid = 0;              // the process's effective gid
  std::string ping_group_range;  // contents of the sysctl, e.g. "1 0"
};

IcmpCapabilities DetectIcmpCapabilities();
// kPing when available, else kRaw, else kPermissionDenied saying what to change.
Result<IcmpSocketKind> ChooseIcmpSocket(const IcmpCapabilities& caps);

// Echo message size hermes sends: 8-byte ICMP header + 56 bytes payload, as ping(8).
inline constexpr size_t kEchoPayloadBytes = 56;
inline constexpr size_t kEchoMessageBytes = 8 + kEchoPayloadBytes;

// RFC 1071 ones' complement sum.
uint16_t InternetChecksum(std::span<const uint8_t> bytes);
// An echo request (ICMP type 8, or ICMPv6 type 128 for AF_INET6) with a
// deterministic payload. The IPv4 checksum is filled in; for ICMPv6 the kernel
// computes it (it covers a pseudo-header only the kernel knows).
std::vector<uint8_t> BuildEchoRequest(int family, uint16_t id, uint16_t seq);

struct EchoReply {
  uint16_t id = 0;
  uint16_t seq = 0;
};
// Parses a received datagram. `has_ip_header`: raw IPv4 sockets deliver the IP
// header first (skipped by its IHL). nullopt unless it is a well-formed echo reply
// (type 0, or 129 for ICMPv6) with a valid IPv4 checksum.
std::optional<EchoReply> ParseEchoReply(int family, std::span<const uint8_t> bytes,
                                        bool has_ip_header);

class IcmpSocket {
 public:
  // A non-blocking echo socket for `family`, bound to `path` (net/path.h); for
  // kRaw, picks a random echo id. kUnavailable when the path cannot be bound,
  // kPermissionDenied / kInternal when no socket can be opened.
  static Result<IcmpSocket> Open(IcmpSocketKind kind, int family, const PathOptions& path);

  // Sends echo request `seq` to `to` (port ignored). kUnavailable with the errno
  // text when the kernel refuses (unreachable network, no route).
  Status SendEcho(const SocketAddress& to, uint16_t seq);
  // Reads one pending datagram without blocking. nullopt when nothing is pending
  // or the datagram is not a reply to this socket's echo requests from `peer`.
  std::optional<EchoReply> TryReceive(const SocketAddress& peer, bool* drained);

  int fd() const { return fd_.get(); }
  IcmpSocketKind kind() const { return kind_; }

 private:
  IcmpSocket(UniqueFd fd, IcmpSocketKind kind, int family, uint16_t id)
      : fd_(std::move(fd)), kind_(kind), family_(family), id_(id) {}
  UniqueFd fd_;
  IcmpSocketKind kind_;
  int family_;
  uint16_t id_;  // raw sockets only; ping sockets' id is the kernel's
};

}  // namespace hermes::net
