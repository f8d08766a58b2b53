// Fuzzes both ends of STAMP against hostile peers, without sockets.
//
// Byte 0 selects what the rest drives:
//   '0' (even)  one datagram: DecodeSender and DecodeReflector. Checks: each decodes
//               iff it holds the 44-octet base; re-encoding what was decoded gives the
//               input's non-MBZ octets back (nothing is read from or written outside
//               the base).
//   '1' (odd, not 3 mod 4)  a hostile reflector's replies to up to 64 packets: per
//               packet answered?, its reflector sequence number, T2/T3, delays,
//               duplicates, reordering and segment, all raw -> AnalyzeStampSession.
//               Checks: sent = received + lost per segment, forward + backward <= lost,
//               one RTT per received packet, RTTs >= 0 and finite, IPDV finite.
//   '3' (3 mod 4)  a hostile sender's packets at the reflector's admission: per packet
//               a client address (IPv4 or IPv6 from 2 bytes), port, SSID, sequence and a
//               time step -> StampSessions::Admit with small limits. Checks: tracked
//               clients and sessions stay within the limits; stateful reply numbers of
//               one session increase by one per reflected packet; stateless ones echo.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_input.h"
#include "net/stamp_packet.h"
#include "probe/stamp_stats.h"
#include "target/stamp_sessions.h"

namespace {

namespace stamp = hermes::net::stamp;
using hermes::Duration;
using hermes::SteadyTime;
using hermes::fuzz::FuzzInput;

constexpr size_t kMbz[] = {38, 39, 41, 42, 43};  // reflector packet; sender: 16..43

void Datagram(const std::string& bytes) {
  const std::span<const uint8_t> in(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  const auto s = stamp::DecodeSender(in);
  const auto r = stamp::DecodeReflector(in);
  FUZZ_CHECK(s.has_value() == (in.size() >= stamp::kBasePacketBytes), "size %zu", in.size());
  FUZZ_CHECK(r.has_value() == s.has_value(), "size %zu", in.size());
  if (!s) return;
  std::vector<uint8_t> out(stamp::kBasePacketBytes + 8, 0xA5);
  stamp::EncodeSender(*s, out);
  for (size_t i = 0; i < 16; ++i) FUZZ_CHECK(out[i] == in[i], "sender octet %zu", i);
  for (size_t i = 16; i < stamp::kBasePacketBytes; ++i) FUZZ_CHECK(out[i] == 0, "MBZ %zu", i);
  for (size_t i = stamp::kBasePacketBytes; i < out.size(); ++i)
    FUZZ_CHECK(out[i] == 0xA5, "%zu", i);
  FUZZ_CHECK(stamp::DecodeSender(out) == s, "sender round trip");
  stamp::EncodeReflector(*r, out);
  for (size_t i = 0; i < stamp::kBasePacketBytes; ++i) {
    bool mbz = false;
    for (size_t m : kMbz) mbz |= i == m;
    FUZZ_CHECK(out[i] == (mbz ? 0 : in[i]), "reflector octet %zu", i);
  }
  FUZZ_CHECK(stamp::DecodeReflector(out) == r, "reflector round trip");
}

void HostileReflector(FuzzInput& in) {
  const int segments = 2;
  const size_t n = in.Byte() % 65;
  std::vector<hermes::probe::StampPacketRecord> packets(n);
  SteadyTime t(std::chrono::seconds(1000));
  for (auto& p : packets) {
    t += std::chrono::microseconds(in.Raw<uint16_t>());
    p.sent = t;
    const uint8_t flags = in.Byte();
    p.segment = flags % 4 - 1;  // -1 .. 2: also one the caller did not ask for
    p.swapped = (flags & 4) != 0;
    p.answered = in.Bool();
    if (!p.answered) continue;
    p.received = p.sent + std::chrono::microseconds(in.Raw<uint32_t>());
    p.reflector_sequence = in.Raw<uint32_t>();
    p.reflector_received = {in.Raw<uint32_t>(), in.Raw<uint32_t>()};
    p.reflector_sent = {in.Raw<uint32_t>(), in.Raw<uint32_t>()};
    p.duplicates = in.Byte();
    p.reordered = in.Bool();
  }
  const auto a = hermes::probe::AnalyzeStampSession(packets, segments);
  FUZZ_CHECK(a.segments.size() == segments, "%zu segments", a.segments.size());
  uint64_t total = 0;
  for (const auto& s : a.segments) {
    total += s.sent;
    FUZZ_CHECK(s.sent == s.received + s.lost, "%lu != %lu + %lu", s.sent, s.received, s.lost);
    FUZZ_CHECK(s.lost_forward + s.lost_backward <= s.lost, "%lu + %lu > %lu", s.lost_forward,
               s.lost_backward, s.lost);
    FUZZ_CHECK(s.rtt_seconds.size() == s.received, "%zu RTTs", s.rtt_seconds.size());
    for (double rtt : s.rtt_seconds) FUZZ_CHECK(std::isfinite(rtt) && rtt >= 0, "rtt %g", rtt);
    for (const auto& v : {s.ipdv_seconds, s.ipdv_forward_seconds, s.ipdv_backward_seconds}) {
      FUZZ_CHECK(!v || (std::isfinite(*v) && *v >= 0), "ipdv %g", *v);
    }
  }
  FUZZ_CHECK(total <= n, "%lu counted of %zu", total, n);
}

void HostileSender(FuzzInput& in) {
  hermes::target::StampLimits l;
  l.stateless = in.Bool();
  l.packets_per_second = 1 + in.Byte();
  l.max_clients = 1 + in.Byte() % 16;
  l.max_sessions_per_client = 1 + in.Byte() % 8;
  l.idle_timeout = std::chrono::milliseconds(1 + in.Raw<uint16_t>());
  hermes::target::StampSessions sessions(l);
  SteadyTime now(std::chrono::seconds(1));
  std::map<std::tuple<std::string, uint16_t, uint16_t>, uint32_t> last;  // session -> R
  while (!in.empty()) {
    const uint16_t host = in.Raw<uint16_t>();
    char ip[32];
    if (host & 1) {
      std::snprintf(ip, sizeof ip, "2001:db8::%x", host >> 1);
    } else {
      std::snprintf(ip, sizeof ip, "10.0.%d.%d", host >> 9, host >> 1 & 0xFF);
    }
    const uint16_t port = in.Byte();
    const uint16_t ssid = in.Byte() & 3;
    const uint32_t seq = in.Raw<uint32_t>();
    now += std::chrono::microseconds(in.Raw<uint16_t>() * 16);
    uint32_t reply = 0;
    const auto v =
        sessions.Admit(*hermes::net::SocketAddress::FromIp(ip, port), ssid, seq, now, &reply);
    FUZZ_CHECK(sessions.clients() <= static_cast<size_t>(l.max_clients), "%zu clients",
               sessions.clients());
    FUZZ_CHECK(
        sessions.sessions() <= static_cast<size_t>(l.max_clients * l.max_sessions_per_client),
        "%zu sessions", sessions.sessions());
    if (v != hermes::target::StampVerdict::kReflect) continue;
    if (l.stateless) {
      FUZZ_CHECK(reply == seq && sessions.sessions() == 0, "stateless %u for %u", reply, seq);
      continue;
    }
    // A session's numbers go 0, 1, 2, ...; a forgotten (expired or evicted) one
    // starts over at 0. An IPv6 client is its /64: every 2001:db8::x here is one.
    auto key = std::make_tuple(std::string(host & 1 ? "2001:db8::/64" : ip), port, ssid);
    auto it = last.find(key);
    FUZZ_CHECK(reply == 0 || (it != last.end() && reply == it->second + 1), "R %u after %u", reply,
               it == last.end() ? 0u : it->second);
    last[key] = reply;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  if (mode % 2 == 0) {
    Datagram(in.Rest());
  } else if (mode % 4 == 1) {
    HostileReflector(in);
  } else {
    HostileSender(in);
  }
  return 0;
}
