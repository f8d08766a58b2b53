#include "net/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace hermes::net {
namespace {

constexpr int kTtl = 255;
constexpr Duration kMaxAge = std::chrono::seconds(1);

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

Status SetInt(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) return Errno(what);
  return Status::Ok();
}

// Ancillary data requested on every socket. An IPv6 socket gets the IPv4 options
// too: they apply to the IPv4-mapped traffic of a dual-stack socket.
Status EnableAncillary(int fd, int family) {
  HERMES_RETURN_IF_ERROR(SetInt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS"));
  HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL"));
  HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO"));
  HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IP, IP_TTL, kTtl, "IP_TTL"));
  if (family == AF_INET6) {
    HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"));
    HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"));
    HERMES_RETURN_IF_ERROR(SetInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kTtl, "IPV6_UNICAST_HOPS"));
  }
  return Status::Ok();
}

Result<UniqueFd> Open(int family) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("udp socket");
  HERMES_RETURN_IF_ERROR(EnableAncillary(fd.get(), family));
  return fd;
}

Duration AgeOf(const timespec& stamp) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const Duration age = std::chrono::seconds(now.tv_sec - stamp.tv_sec) +
                       std::chrono::nanoseconds(now.tv_nsec - stamp.tv_nsec);
  return age < Duration::zero() || age > kMaxAge ? Duration::zero() : age;
}

void ReadAncillary(msghdr& msg, ReceivedDatagram& d) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      d.age = AgeOf(ts);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      int ttl = 0;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      d.ttl = static_cast<uint8_t>(ttl);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int hops = 0;
      std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
      d.ttl = static_cast<uint8_t>(hops);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      d.to.family = AF_INET;
      std::memcpy(&d.to.v4, CMSG_DATA(c), sizeof d.to.v4);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      d.to.family = AF_INET6;
      std::memcpy(&d.to.v6, CMSG_DATA(c), sizeof d.to.v6);
    }
  }
}

}  // namespace

Result<UdpSocket> UdpSocket::Bind(const SocketAddress& local, bool dual_stack) {
  auto fd = Open(local.family());
  if (!fd.ok()) return fd.status();
  if (local.family() == AF_INET6) {
    HERMES_RETURN_IF_ERROR(
        SetInt(fd->get(), IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? 0 : 1, "IPV6_V6ONLY"));
  }
  if (::bind(fd->get(), local.get(), local.len) < 0) return Errno("bind " + local.ToString());
  return UdpSocket(std::move(fd).value());
}

Result<UdpSocket> UdpSocket::Connect(const SocketAddress& peer, const PathOptions& path) {
  auto fd = Open(peer.family());
  if (!fd.ok()) return fd.status();
  HERMES_RETURN_IF_ERROR(BindToPath(fd->get(), path));
  if (::connect(fd->get(), peer.get(), peer.len) < 0) return Errno("connect " + peer.ToString());
  return UdpSocket(std::move(fd).value());
}

Status UdpSocket::Send(std::span<const uint8_t> data) {
  ssize_t n;
  do {
    n = ::send(fd_.get(), data.data(), data.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno("send");
  return Status::Ok();
}

Status UdpSocket::SendTo(std::span<const uint8_t> data, const SocketAddress& to,
                         const LocalDestination& from) {
  iovec iov{const_cast<uint8_t*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr*>(to.get());
  msg.msg_namelen = to.len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  if (from.family != 0) {
    msg.msg_control = control;
    const bool v4 = from.family == AF_INET;
    const size_t len = v4 ? sizeof(in_pktinfo) : sizeof(in6_pktinfo);
    msg.msg_controllen = CMSG_SPACE(len);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    c->cmsg_type = v4 ? IP_PKTINFO : IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(len);
    if (v4) {
      in_pktinfo info{};
      info.ipi_spec_dst = from.v4.ipi_addr;  // answer from the address the client used
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    } else {
      in6_pktinfo info{};
      info.ipi6_addr = from.v6.ipi6_addr;
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    }
  }
  ssize_t n;
  do {
    n = ::sendmsg(fd_.get(), &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno("send to " + to.ToString());
  return Status::Ok();
}

Result<std::optional<ReceivedDatagram>> UdpSocket::TryReceive(std::span<uint8_t> buf) {
  sockaddr_storage from{};
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[512];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(fd_.get(), &msg, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<ReceivedDatagram>();
    return Errno("receive");
  }
  ReceivedDatagram d;
  d.size = static_cast<size_t>(n);
  d.truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  d.from = SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&from), msg.msg_namelen);
  ReadAncillary(msg, d);
  return std::optional<ReceivedDatagram>(d);
}

uint16_t UdpSocket::LocalPort() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) return 0;
  return SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).port();
}

}  // namespace hermes::net
