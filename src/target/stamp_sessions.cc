#include "target/stamp_sessions.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace hermes::target {
namespace {

constexpr Duration kSweepEvery = std::chrono::seconds(1);

}  // namespace

size_t StampSessions::IpKeyHash::operator()(const IpKey& k) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (uint8_t b : k) h = (h ^ b) * 1099511628211ull;
  return static_cast<size_t>(h);
}

StampSessions::IpKey StampSessions::KeyOf(const net::SocketAddress& a) {
  IpKey k{};
  if (a.family() == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a.storage);
    k[10] = k[11] = 0xFF;
    std::memcpy(&k[12], &v4->sin_addr, 4);
  } else {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    // A host holds a whole /64 (its interface identifiers are its own to pick): one
    // client per /64, IPv4-mapped addresses whole.
    const bool mapped = IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr);
    std::memcpy(k.data(), &v6->sin6_addr, mapped ? 16 : 8);
  }
  return k;
}

bool StampSessions::TakeToken(Client& c, SteadyTime now) const {
  const double rate = limits_.packets_per_second;
  const double burst = std::max(1.0, rate);
  c.tokens = std::min(burst, c.tokens + ToSeconds(now - c.refilled) * rate);
  c.refilled = now;
  if (c.tokens < 1) return false;
  c.tokens -= 1;
  return true;
}

uint32_t StampSessions::NextSequence(Client& c, uint16_t port, uint16_t ssid, SteadyTime now) {
  auto it = std::find_if(c.sessions.begin(), c.sessions.end(),
                         [&](const Session& s) { return s.port == port && s.ssid == ssid; });
  if (it == c.sessions.end()) {
    if (c.sessions.size() >= static_cast<size_t>(limits_.max_sessions_per_client)) {
      it = std::min_element(
          c.sessions.begin(), c.sessions.end(),
          [](const Session& a, const Session& b) { return a.last_seen < b.last_seen; });
      *it = Session{port, ssid, 0, now};
    } else {
      it = c.sessions.insert(c.sessions.end(), Session{port, ssid, 0, now});
      ++sessions_;
    }
  }
  it->last_seen = now;
  return it->next_sequence++;
}

void StampSessions::Expire(SteadyTime now) {
  next_sweep_ = now + kSweepEvery;
  for (auto it = clients_.begin(); it != clients_.end();) {
    auto& ss = it->second.sessions;
    const auto idle = std::remove_if(ss.begin(), ss.end(), [&](const Session& s) {
      return now - s.last_seen >= limits_.idle_timeout;
    });
    sessions_ -= static_cast<size_t>(ss.end() - idle);
    ss.erase(idle, ss.end());
    if (ss.empty() && now - it->second.last_seen >= limits_.idle_timeout) {
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

StampVerdict StampSessions::Admit(const net::SocketAddress& client, uint16_t ssid,
                                  uint32_t sender_sequence, SteadyTime now, uint32_t* sequence) {
  if (now >= next_sweep_) Expire(now);
  const IpKey key = KeyOf(client);
  auto it = clients_.find(key);
  if (it == clients_.end()) {
    // Idle clients leave at the next sweep (at most a second away); sweeping per
    // packet here would let a flood of new addresses buy a full scan each.
    if (clients_.size() >= static_cast<size_t>(limits_.max_clients)) {
      return StampVerdict::kTooManyClients;
    }
    Client fresh;
    fresh.tokens = std::max(1.0, static_cast<double>(limits_.packets_per_second));
    fresh.refilled = now;
    it = clients_.emplace(key, std::move(fresh)).first;
  }
  Client& c = it->second;
  c.last_seen = now;
  if (!TakeToken(c, now)) return StampVerdict::kRateLimited;
  *sequence = limits_.stateless ? sender_sequence : NextSequence(c, client.port(), ssid, now);
  return StampVerdict::kReflect;
}

}  // namespace hermes::target
