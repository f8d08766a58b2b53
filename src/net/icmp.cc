#include "net/icmp.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace hermes::net {
namespace {

constexpr uint8_t kEchoRequestV4 = 8, kEchoReplyV4 = 0;
constexpr uint8_t kEchoRequestV6 = 128, kEchoReplyV6 = 129;
constexpr const char* kPingGroupRangePath = "/proc/sys/net/ipv4/ping_group_range";

int Protocol(int family) {
  return family == AF_INET6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
}
int SocketType(IcmpSocketKind kind) {
  return kind == IcmpSocketKind::kPing ? static_cast<int>(SOCK_DGRAM) : static_cast<int>(SOCK_RAW);
}

bool CanOpen(IcmpSocketKind kind) {
  UniqueFd fd(::socket(AF_INET, SocketType(kind) | SOCK_CLOEXEC, IPPROTO_ICMP));
  return fd.valid();
}

std::string ReadPingGroupRange() {
  std::ifstream in(kPingGroupRangePath);
  std::string lo, hi;
  if (!(in >> lo >> hi)) return "unreadable";
  return lo + " " + hi;
}

}  // namespace

IcmpCapabilities DetectIcmpCapabilities() {
  IcmpCapabilities c;
  c.ping_socket = CanOpen(IcmpSocketKind::kPing);
  c.raw_socket = CanOpen(IcmpSocketKind::kRaw);
  c.gid = static_cast<unsigned>(::getegid());
  c.ping_group_range = ReadPingGroupRange();
  return c;
}

Result<IcmpSocketKind> ChooseIcmpSocket(const IcmpCapabilities& caps) {
  if (caps.ping_socket) return IcmpSocketKind::kPing;
  if (caps.raw_socket) return IcmpSocketKind::kRaw;
  return Status(StatusCode::kPermissionDenied,
                "icmp probes need ping sockets (sysctl net.ipv4.ping_group_range must include "
                "gid " +
                    std::to_string(caps.gid) + ", currently \"" + caps.ping_group_range +
                    "\") or CAP_NET_RAW");
}

uint16_t InternetChecksum(std::span<const uint8_t> b) {
  uint32_t sum = 0;
  size_t i = 0;
  for (; i + 1 < b.size(); i += 2) sum += static_cast<uint32_t>(b[i] << 8 | b[i + 1]);
  if (i < b.size()) sum += static_cast<uint32_t>(b[i] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> BuildEchoRequest(int family, uint16_t id, uint16_t seq) {
  std::vector<uint8_t> p(kEchoMessageBytes, 0);
  p[0] = family == AF_INET6 ? kEchoRequestV6 : kEchoRequestV4;
  p[4] = static_cast<uint8_t>(id >> 8);
  p[5] = static_cast<uint8_t>(id);
  p[6] = static_cast<uint8_t>(seq >> 8);
  p[7] = static_cast<uint8_t>(seq);
  for (size_t i = 8; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i);
  if (family != AF_INET6) {
    const uint16_t sum = InternetChecksum(p);
    p[2] = static_cast<uint8_t>(sum >> 8);
    p[3] = static_cast<uint8_t>(sum);
  }
  return p;
}

std::optional<EchoReply> ParseEchoReply(int family, std::span<const uint8_t> b,
                                        bool has_ip_header) {
  if (has_ip_header) {
    if (b.empty()) return std::nullopt;
    const size_t ihl = static_cast<size_t>(b[0] & 0x0F) * 4;
    if ((b[0] >> 4) != 4 || ihl < 20 || b.size() < ihl) return std::nullopt;
    b = b.subspan(ihl);
  }
  if (b.size() < 8) return std::nullopt;
  const uint8_t want = family == AF_INET6 ? kEchoReplyV6 : kEchoReplyV4;
  if (b[0] != want || b[1] != 0) return std::nullopt;
  if (family != AF_INET6 && InternetChecksum(b) != 0) return std::nullopt;
  return EchoReply{static_cast<uint16_t>(b[4] << 8 | b[5]),
                   static_cast<uint16_t>(b[6] << 8 | b[7])};
}

Result<IcmpSocket> IcmpSocket::Open(IcmpSocketKind kind, int family, const PathOptions& path) {
  UniqueFd fd(::socket(family, SocketType(kind) | SOCK_NONBLOCK | SOCK_CLOEXEC, Protocol(family)));
  if (!fd.valid()) {
    return Status(
        errno == EACCES || errno == EPERM ? StatusCode::kPermissionDenied : StatusCode::kInternal,
        std::string("icmp socket: ") + std::strerror(errno));
  }
  HERMES_RETURN_IF_ERROR(BindToPath(fd.get(), path).WithContext("icmp socket"));
  uint16_t id = 0;
  if (kind == IcmpSocketKind::kRaw) id = static_cast<uint16_t>(std::random_device{}());
  return IcmpSocket(std::move(fd), kind, family, id);
}

Status IcmpSocket::SendEcho(const SocketAddress& to, uint16_t seq) {
  const std::vector<uint8_t> pkt = BuildEchoRequest(family_, id_, seq);
  SocketAddress dst = to;
  dst.set_port(0);
  ssize_t n;
  do {
    n = ::sendto(fd_.get(), pkt.data(), pkt.size(), 0, dst.get(), dst.len);
  } while (n < 0 && errno == EINTR);
  if (n < 0)
    return Status::Unavailable("icmp echo to " + dst.IpString() + ": " + std::strerror(errno));
  return Status::Ok();
}

std::optional<EchoReply> IcmpSocket::TryReceive(const SocketAddress& peer, bool* drained) {
  uint8_t buf[1500];
  sockaddr_storage from{};
  socklen_t from_len = sizeof(from);
  const ssize_t n =
      ::recvfrom(fd_.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
  *drained = n < 0;  // EAGAIN, or an error we cannot act on: stop reading for now
  if (n < 0) return std::nullopt;
  const bool ip_header = kind_ == IcmpSocketKind::kRaw && family_ == AF_INET;
  auto reply =
      ParseEchoReply(family_, std::span<const uint8_t>(buf, static_cast<size_t>(n)), ip_header);
  if (!reply) return std::nullopt;
  if (SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&from), from_len).IpString() !=
      peer.IpString()) {
    return std::nullopt;
  }
  if (kind_ == IcmpSocketKind::kRaw && reply->id != id_) return std::nullopt;
  return reply;
}

}  // namespace hermes::net
