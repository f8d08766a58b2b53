#include "target/stamp_reflector.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include "common/host_port.h"
#include "common/log.h"
#include "net/stamp_packet.h"

namespace hermes::target {
namespace {

namespace stamp = net::stamp;

// Datagrams handled per wake-up before polling again (the stop flag included).
constexpr int kBatch = 64;
constexpr Duration kErrorEstimateRefresh = std::chrono::seconds(1);

Result<net::SocketAddress> ParseListen(const std::string& addr, bool* wildcard) {
  auto parts = ParseListenAddress(addr, "STAMP listen address", "ip");
  if (!parts.ok()) return parts.status();
  *wildcard = parts->host.empty();
  auto sa = net::SocketAddress::FromIp(*wildcard ? "::" : parts->host, parts->port);
  if (!sa) {
    return Status::Invalid("STAMP listen address \"" + addr + "\": \"" + parts->host +
                           "\" is not an IP address (want ip:port, :port or [ipv6]:port)");
  }
  return *sa;
}

}  // namespace

Result<std::unique_ptr<StampReflector>> StampReflector::Create(const StampReflectorOptions& o,
                                                               Clock& clock) {
  bool wildcard = false;
  auto addr = ParseListen(o.listen_address, &wildcard);
  if (!addr.ok()) return addr.status();
  net::UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return Status::Internal(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<StampReflector>(
      new StampReflector(o.listen_address, *addr, wildcard, std::move(wake), o.limits, clock));
}

StampReflector::StampReflector(std::string listen_address, net::SocketAddress address,
                               bool wildcard, net::UniqueFd wake, StampLimits limits, Clock& clock)
    : listen_address_(std::move(listen_address)),
      address_(address),
      wildcard_(wildcard),
      wake_(std::move(wake)),
      sessions_(limits),
      clock_(clock) {}

Status StampReflector::Start() {
  auto sock = net::UdpSocket::Bind(address_, wildcard_);
  if (!sock.ok() && wildcard_) {
    // All interfaces on a host without IPv6: IPv4 only.
    sock = net::UdpSocket::Bind(*net::SocketAddress::FromIp("0.0.0.0", address_.port()), false);
  }
  if (!sock.ok()) {
    return sock.status().WithContext("STAMP listen address \"" + listen_address_ + "\"");
  }
  socket_.emplace(std::move(sock).value());
  port_ = socket_->LocalPort();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "hermes-stamp");
    Loop();
  });
  return Status::Ok();
}

StampReflector::~StampReflector() { Stop(); }

void StampReflector::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

StampCounters StampReflector::counters() const {
  return {reflected_.load(),    malformed_.load(),        from_reflector_port_.load(),
          rate_limited_.load(), too_many_clients_.load(), send_errors_.load(),
          clients_held_.load(), sessions_held_.load()};
}

void StampReflector::Loop() {
  std::vector<uint8_t> buf(kMaxDatagramBytes);
  for (;;) {
    pollfd fds[2] = {{socket_->fd(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      LogError("STAMP reflector stopped", {{"err", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0) return;
    for (int i = 0; i < kBatch; ++i) {
      auto d = socket_->TryReceive(buf);
      if (!d.ok() || !d->has_value()) break;  // drained (errors on an unbound peer are not ours)
      Handle(buf.data(), **d);
    }
  }
}

void StampReflector::Handle(uint8_t* buf, const net::ReceivedDatagram& d) {
  const WallTime received = clock_.WallNow() - d.age;
  const std::span<uint8_t> packet(buf, d.size);
  const auto request = d.truncated ? std::nullopt : stamp::DecodeSender(packet);
  if (!request) {
    ++malformed_;
    return;
  }
  // A session-sender sends from a port of its own, never a reflector's.
  if (d.from.port() == stamp::kDefaultPort || d.from.port() == port_) {
    ++from_reflector_port_;
    return;
  }
  uint32_t sequence = 0;
  const StampVerdict verdict =
      sessions_.Admit(d.from, request->ssid, request->sequence, clock_.SteadyNow(), &sequence);
  clients_held_ = sessions_.clients();
  sessions_held_ = sessions_.sessions();
  switch (verdict) {
    case StampVerdict::kRateLimited:
      ++rate_limited_;
      return;
    case StampVerdict::kTooManyClients:
      ++too_many_clients_;
      return;
    case StampVerdict::kReflect:
      break;
  }
  if (clock_.SteadyNow() >= error_refresh_at_) {
    error_ = stamp::SystemErrorEstimate();
    error_refresh_at_ = clock_.SteadyNow() + kErrorEstimateRefresh;
  }
  stamp::ReflectorPacket reply;
  reply.sequence = sequence;
  reply.error = error_;
  reply.ssid = request->ssid;
  reply.receive_timestamp = stamp::ToNtp(received);
  reply.sender_sequence = request->sequence;
  reply.sender_timestamp = request->timestamp;
  reply.sender_error = request->error;
  reply.sender_ttl = d.ttl.value_or(0);
  reply.timestamp = stamp::ToNtp(clock_.WallNow());
  // In place: the octets after the base packet stay the request's (symmetrical size).
  stamp::EncodeReflector(reply, packet);
  ++reflected_;  // before sending, so a client that has the reply sees it counted
  if (!socket_->SendTo(packet, d.from, d.to).ok()) ++send_errors_;
}

}  // namespace hermes::target
