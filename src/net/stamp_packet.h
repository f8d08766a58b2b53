// STAMP (RFC 8762) test packets in unauthenticated mode: the pure codec the
// session-sender (probe/stamp_session.h) and the session-reflector
// (target/stamp_reflector.h) share.
//
// Session-Sender test packet (RFC 8762 section 4.2.1, Figure 2), 44 octets; RFC 8972
// section 3 turns the first two MBZ octets into the Session-Sender Identifier:
//    0  Sequence Number                 4
//    4  Timestamp                       8   NTP 64-bit (RFC 5905)
//   12  Error Estimate                  2   Figure 3 (RFC 4656 section 4.1.2)
//   14  SSID                            2   0 = not used (MBZ in RFC 8762)
//   16  MBZ                            28
// Session-Reflector test packet (RFC 8762 section 4.3.1, Figure 5), 44 octets:
//    0  Sequence Number                 4   stateless: the sender's; stateful: its own
//    4  Timestamp                       8   when the reflector sent it
//   12  Error Estimate                  2
//   14  SSID                            2   copied from the sender's packet
//   16  Receive Timestamp               8   when the reflector received the sender's
//   24  Session-Sender Sequence Number  4   copies of the sender's fields
//   28  Session-Sender Timestamp        8
//   36  Session-Sender Error Estimate   2
//   38  MBZ                             2
//   40  Session-Sender TTL              1   IPv4 TTL / IPv6 Hop Limit as received
//   41  MBZ                             3
// All fields are in network byte order. Packets may be longer than 44 octets
// (padding, or RFC 8972 TLVs): the reflector answers with a packet of the same size
// whose octets after the base packet are a copy of the sender's (symmetrical size,
// RFC 8762 section 4.3); Encode* write only the 44 base octets.
//
// Thread-safety: pure functions and values (SystemErrorEstimate reads the kernel's
// clock status and is safe to call from any thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "common/clock.h"

namespace hermes::net::stamp {

inline constexpr uint16_t kDefaultPort = 862;  // TWAMP-Test receiver port (RFC 8762 4.1)
inline constexpr size_t kBasePacketBytes = 44;
// Largest UDP payload that fits a 1500-byte MTU over IPv6 (and IPv4).
inline constexpr size_t kMaxPacketBytes = 1452;

// NTP 64-bit timestamp: seconds since 1900-01-01 (wrapping every 136 years, era 1
// starts in 2036) and a binary fraction of a second (units of 2^-32 s).
struct NtpTimestamp {
  uint32_t seconds = 0;
  uint32_t fraction = 0;
  bool operator==(const NtpTimestamp&) const = default;
};

NtpTimestamp ToNtp(WallTime t);
// a - b, for timestamps less than 68 years apart (era wrap-around included).
Duration NtpDifference(NtpTimestamp a, NtpTimestamp b);

// Error Estimate (RFC 4656 section 4.1.2, Z from RFC 8186): the timestamp's error is
// multiplier x 2^(scale - 32) seconds.
struct ErrorEstimate {
  bool synchronized = false;  // S: the clock is synchronised to UTC by an external source
  bool ptp = false;           // Z: timestamps are PTPv2 truncated, not NTP (hermes: NTP)
  uint8_t scale = 0;          // 6 bits
  uint8_t multiplier = 1;     // 8 bits; RFC 4656: never 0
  bool operator==(const ErrorEstimate&) const = default;

  uint16_t Encode() const;
  static ErrorEstimate Decode(uint16_t bits);
  double Seconds() const;
  // The smallest representable estimate >= `seconds` (clamped to the field's range).
  static ErrorEstimate FromSeconds(double seconds, bool synchronized);
};

// This host's wall clock as the kernel's NTP state describes it (adjtimex): S set
// when the clock is synchronised, the estimated error otherwise its maximum error.
ErrorEstimate SystemErrorEstimate();

struct SenderPacket {
  uint32_t sequence = 0;
  NtpTimestamp timestamp;
  ErrorEstimate error;
  uint16_t ssid = 0;
  bool operator==(const SenderPacket&) const = default;
};

struct ReflectorPacket {
  uint32_t sequence = 0;
  NtpTimestamp timestamp;
  ErrorEstimate error;
  uint16_t ssid = 0;
  NtpTimestamp receive_timestamp;
  uint32_t sender_sequence = 0;
  NtpTimestamp sender_timestamp;
  ErrorEstimate sender_error;
  uint8_t sender_ttl = 0;
  bool operator==(const ReflectorPacket&) const = default;
};

// Write the 44 base octets (MBZ octets zeroed) to out[0..44); `out` must hold at
// least kBasePacketBytes (aborts otherwise). Octets after the base are left alone.
void EncodeSender(const SenderPacket& p, std::span<uint8_t> out);
void EncodeReflector(const ReflectorPacket& p, std::span<uint8_t> out);

// nullopt when `in` is shorter than the base packet. MBZ octets are ignored on
// receipt (RFC 8762) and so is anything after the base packet.
std::optional<SenderPacket> DecodeSender(std::span<const uint8_t> in);
std::optional<ReflectorPacket> DecodeReflector(std::span<const uint8_t> in);

}  // namespace hermes::net::stamp
