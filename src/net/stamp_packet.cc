#include "net/stamp_packet.h"

#include <sys/timex.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hermes::net::stamp {
namespace {

// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
constexpr int64_t kNtpUnixOffset = 2'208'988'800;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}
void PutNtp(uint8_t* p, NtpTimestamp t) {
  Put32(p, t.seconds);
  Put32(p + 4, t.fraction);
}
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Get32(const uint8_t* p) {
  return static_cast<uint32_t>(Get16(p)) << 16 | static_cast<uint32_t>(Get16(p + 2));
}
NtpTimestamp GetNtp(const uint8_t* p) { return {Get32(p), Get32(p + 4)}; }

// Octets 0-15 are laid out alike in both packets: Sequence Number, Timestamp,
// Error Estimate, SSID.
template <typename Packet>
void PutHead(uint8_t* b, const Packet& p) {
  Put32(b, p.sequence);
  PutNtp(b + 4, p.timestamp);
  Put16(b + 12, p.error.Encode());
  Put16(b + 14, p.ssid);
}
template <typename Packet>
void GetHead(const uint8_t* b, Packet& p) {
  p.sequence = Get32(b);
  p.timestamp = GetNtp(b + 4);
  p.error = ErrorEstimate::Decode(Get16(b + 12));
  p.ssid = Get16(b + 14);
}

uint8_t* Base(std::span<uint8_t> out) {
  if (out.size() < kBasePacketBytes) std::abort();  // a caller bug, never input
  std::fill_n(out.begin(), kBasePacketBytes, uint8_t{0});
  return out.data();
}

}  // namespace

NtpTimestamp ToNtp(WallTime t) {
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / kNanosPerSecond;
  int64_t rem = ns % kNanosPerSecond;
  if (rem < 0) {
    rem += kNanosPerSecond;
    --secs;
  }
  // fraction = rem * 2^32 / 1e9, rounded to nearest; rem < 1e9 so it fits in 64 bits.
  const uint64_t frac = (static_cast<uint64_t>(rem) << 32) + kNanosPerSecond / 2;
  NtpTimestamp out;
  out.seconds = static_cast<uint32_t>(secs + kNtpUnixOffset);  // wraps into era 1 in 2036
  out.fraction = static_cast<uint32_t>(frac / kNanosPerSecond);
  return out;
}

Duration NtpDifference(NtpTimestamp a, NtpTimestamp b) {
  // Both as 32.32 fixed point; the wrapping subtraction yields the signed distance.
  const uint64_t fa = static_cast<uint64_t>(a.seconds) << 32 | a.fraction;
  const uint64_t fb = static_cast<uint64_t>(b.seconds) << 32 | b.fraction;
  const int64_t d = static_cast<int64_t>(fa - fb);
  const int64_t whole = d >> 32;  // floor division by 2^32
  const int64_t frac = d & 0xFFFFFFFF;
  return std::chrono::nanoseconds(whole * kNanosPerSecond +
                                  ((frac * kNanosPerSecond + (int64_t{1} << 31)) >> 32));
}

uint16_t ErrorEstimate::Encode() const {
  return static_cast<uint16_t>((synchronized ? 0x8000 : 0) | (ptp ? 0x4000 : 0) |
                               (scale & 0x3F) << 8 | multiplier);
}

ErrorEstimate ErrorEstimate::Decode(uint16_t bits) {
  ErrorEstimate e;
  e.synchronized = (bits & 0x8000) != 0;
  e.ptp = (bits & 0x4000) != 0;
  e.scale = static_cast<uint8_t>(bits >> 8 & 0x3F);
  e.multiplier = static_cast<uint8_t>(bits);
  return e;
}

double ErrorEstimate::Seconds() const {
  return std::ldexp(static_cast<double>(multiplier), static_cast<int>(scale) - 32);
}

ErrorEstimate ErrorEstimate::FromSeconds(double seconds, bool synchronized) {
  ErrorEstimate e;
  e.synchronized = synchronized;
  if (!(seconds > 0)) return e;  // multiplier 1, scale 0: 2^-32 s, the smallest
  for (int scale = 0; scale <= 63; ++scale) {
    const double m = std::ceil(std::ldexp(seconds, 32 - scale));
    if (m <= 255) {
      e.scale = static_cast<uint8_t>(scale);
      e.multiplier = static_cast<uint8_t>(std::max(1.0, m));
      return e;
    }
  }
  e.scale = 63;
  e.multiplier = 255;
  return e;
}

ErrorEstimate SystemErrorEstimate() {
  timex tx{};
  const int state = ::adjtimex(&tx);
  const bool synced = state != -1 && state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  // esterror / maxerror are in microseconds.
  const long micros = synced ? tx.esterror : tx.maxerror;
  return ErrorEstimate::FromSeconds(static_cast<double>(std::max(micros, 1L)) * 1e-6, synced);
}

void EncodeSender(const SenderPacket& p, std::span<uint8_t> out) { PutHead(Base(out), p); }

void EncodeReflector(const ReflectorPacket& p, std::span<uint8_t> out) {
  uint8_t* b = Base(out);
  PutHead(b, p);
  PutNtp(b + 16, p.receive_timestamp);
  Put32(b + 24, p.sender_sequence);
  PutNtp(b + 28, p.sender_timestamp);
  Put16(b + 36, p.sender_error.Encode());
  b[40] = p.sender_ttl;
}

std::optional<SenderPacket> DecodeSender(std::span<const uint8_t> in) {
  if (in.size() < kBasePacketBytes) return std::nullopt;
  SenderPacket p;
  GetHead(in.data(), p);
  return p;
}

std::optional<ReflectorPacket> DecodeReflector(std::span<const uint8_t> in) {
  if (in.size() < kBasePacketBytes) return std::nullopt;
  const uint8_t* b = in.data();
  ReflectorPacket p;
  GetHead(b, p);
  p.receive_timestamp = GetNtp(b + 16);
  p.sender_sequence = Get32(b + 24);
  p.sender_timestamp = GetNtp(b + 28);
  p.sender_error = ErrorEstimate::Decode(Get16(b + 36));
  p.sender_ttl = b[40];
  return p;
}

}  // namespace hermes::net::stamp
