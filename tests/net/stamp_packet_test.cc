#include "net/stamp_packet.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <vector>

namespace hermes::net::stamp {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  return std::vector<uint8_t>(v.begin(), v.end());
}
std::vector<uint8_t> Slice(const std::vector<uint8_t>& b, size_t off, size_t len) {
  return std::vector<uint8_t>(b.begin() + static_cast<long>(off),
                              b.begin() + static_cast<long>(off + len));
}

TEST(StampNtpTest, UnixEpochIsNtpSeconds2208988800) {
  const NtpTimestamp t = ToNtp(WallTime{});
  EXPECT_EQ(t.seconds, 2'208'988'800u);
  EXPECT_EQ(t.fraction, 0u);
}

TEST(StampNtpTest, FractionIsBinaryFractionOfASecond) {
  EXPECT_EQ(ToNtp(WallTime(std::chrono::milliseconds(500))).fraction, 0x80000000u);
  EXPECT_EQ(ToNtp(WallTime(std::chrono::milliseconds(250))).fraction, 0x40000000u);
  // 1 ns is 4.29 units of 2^-32 s, rounded to nearest.
  EXPECT_EQ(ToNtp(WallTime(nanoseconds(1))).fraction, 4u);
}

TEST(StampNtpTest, Era1StartsIn2036AndDifferencesSpanTheWrap) {
  // 2036-02-07T06:28:16Z is NTP era 1, second 0.
  const WallTime wrap(seconds(2'085'978'496));
  EXPECT_EQ(ToNtp(wrap).seconds, 0u);
  EXPECT_EQ(ToNtp(wrap - seconds(1)).seconds, 0xFFFFFFFFu);
  EXPECT_EQ(NtpDifference(ToNtp(wrap + std::chrono::milliseconds(1500)),
                          ToNtp(wrap - std::chrono::milliseconds(500))),
            seconds(2));
}

TEST(StampNtpTest, DifferenceIsSignedAndNanosecondAccurate) {
  const WallTime t0(seconds(1'700'000'000) + nanoseconds(123'456'789));
  const WallTime t1 = t0 + nanoseconds(2'500'000'001);
  EXPECT_LE(std::abs((NtpDifference(ToNtp(t1), ToNtp(t0)) - nanoseconds(2'500'000'001)).count()),
            1);
  EXPECT_LE(std::abs((NtpDifference(ToNtp(t0), ToNtp(t1)) + nanoseconds(2'500'000'001)).count()),
            1);
}

// RFC 8762 Figure 3 (RFC 4656 4.1.2): |S|Z| Scale (6) | Multiplier (8) |.
TEST(StampErrorEstimateTest, BitLayoutMatchesFigure3) {
  ErrorEstimate e;
  e.synchronized = true;
  e.ptp = false;
  e.scale = 0x2A;
  e.multiplier = 0x99;
  EXPECT_EQ(e.Encode(), 0xAA99);
  e.synchronized = false;
  e.ptp = true;
  EXPECT_EQ(e.Encode(), 0x6A99);
  EXPECT_EQ(ErrorEstimate::Decode(0xAA99), (ErrorEstimate{true, false, 0x2A, 0x99}));
  EXPECT_EQ(ErrorEstimate::Decode(0x7FFF), (ErrorEstimate{false, true, 0x3F, 0xFF}));
}

TEST(StampErrorEstimateTest, SecondsIsMultiplierTimesTwoToScaleMinus32) {
  EXPECT_DOUBLE_EQ((ErrorEstimate{false, false, 32, 3}).Seconds(), 3.0);
  EXPECT_DOUBLE_EQ((ErrorEstimate{false, false, 22, 1}).Seconds(), 1.0 / 1024);
}

TEST(StampErrorEstimateTest, FromSecondsRoundsUpToTheNextRepresentableValue) {
  for (double s : {1e-6, 0.001, 0.0123, 1.0, 3600.0}) {
    const ErrorEstimate e = ErrorEstimate::FromSeconds(s, true);
    EXPECT_TRUE(e.synchronized);
    EXPECT_GE(e.Seconds(), s) << s;
    EXPECT_LE(e.Seconds(), s * 1.01) << s;  // 8-bit multiplier: within 1 % from 128 up
    EXPECT_GE(e.multiplier, 1) << s;
  }
  // Below 128 x 2^-32 s the finest scale (0) is the best the field can do.
  EXPECT_EQ(ErrorEstimate::FromSeconds(1e-9, false), (ErrorEstimate{false, false, 0, 5}));
  EXPECT_EQ(ErrorEstimate::FromSeconds(0, false).multiplier, 1);  // never 0 (RFC 4656)
  EXPECT_EQ(ErrorEstimate::FromSeconds(1e300, false).Encode(), 0x3FFF);
}

SenderPacket SampleSender() {
  SenderPacket p;
  p.sequence = 0x01020304;
  p.timestamp = {0xA1A2A3A4, 0xB1B2B3B4};
  p.error = ErrorEstimate::Decode(0x8107);
  p.ssid = 0xC1C2;
  return p;
}

// RFC 8762 Figure 2 with RFC 8972's SSID in the first two MBZ octets.
TEST(StampPacketTest, SenderLayoutIsFigure2ByteForByte) {
  std::vector<uint8_t> b(kBasePacketBytes, 0xEE);
  EncodeSender(SampleSender(), b);
  std::vector<uint8_t> want = {
      0x01, 0x02, 0x03, 0x04,                          // Sequence Number
      0xA1, 0xA2, 0xA3, 0xA4, 0xB1, 0xB2, 0xB3, 0xB4,  // Timestamp
      0x81, 0x07,                                      // Error Estimate
      0xC1, 0xC2,                                      // SSID
  };
  want.resize(kBasePacketBytes, 0x00);  // MBZ (28 octets)
  EXPECT_EQ(b, want);
  EXPECT_EQ(DecodeSender(b), SampleSender());
}

TEST(StampPacketTest, EncodeWritesOnlyTheBasePacket) {
  std::vector<uint8_t> b(kBasePacketBytes + 6, 0xEE);
  EncodeSender(SampleSender(), b);
  EXPECT_EQ(Slice(b, kBasePacketBytes, 6), std::vector<uint8_t>(6, 0xEE));
  EXPECT_EQ(DecodeSender(b), SampleSender());  // trailing octets are not the codec's
}

ReflectorPacket SampleReflector() {
  ReflectorPacket p;
  p.sequence = 0x11121314;
  p.timestamp = {0x21222324, 0x25262728};
  p.error = ErrorEstimate::Decode(0x3132);
  p.ssid = 0x4142;
  p.receive_timestamp = {0x51525354, 0x55565758};
  p.sender_sequence = 0x61626364;
  p.sender_timestamp = {0x71727374, 0x75767778};
  p.sender_error = ErrorEstimate::Decode(0x8182);
  p.sender_ttl = 0x91;
  return p;
}

// RFC 8762 Figure 5 (SSID per RFC 8972 section 3).
TEST(StampPacketTest, ReflectorLayoutIsFigure5ByteForByte) {
  std::vector<uint8_t> b(kBasePacketBytes, 0xEE);
  EncodeReflector(SampleReflector(), b);
  const std::vector<uint8_t> want = {
      0x11, 0x12, 0x13, 0x14,                          // Sequence Number
      0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,  // Timestamp
      0x31, 0x32,                                      // Error Estimate
      0x41, 0x42,                                      // SSID
      0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,  // Receive Timestamp
      0x61, 0x62, 0x63, 0x64,                          // Session-Sender Sequence Number
      0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,  // Session-Sender Timestamp
      0x81, 0x82,                                      // Session-Sender Error Estimate
      0x00, 0x00,                                      // MBZ
      0x91,                                            // Ses-Sender TTL
      0x00, 0x00, 0x00,                                // MBZ
  };
  EXPECT_EQ(b, want);
  EXPECT_EQ(DecodeReflector(b), SampleReflector());
}

TEST(StampPacketTest, BothBasePacketsAre44Octets) {
  // Symmetrical size (RFC 8762 4.2): the sender's MBZ pads it to the reflector's size.
  std::vector<uint8_t> b(kBasePacketBytes - 1);
  EXPECT_FALSE(DecodeSender(b).has_value());
  EXPECT_FALSE(DecodeReflector(b).has_value());
  b.push_back(0);
  EXPECT_TRUE(DecodeSender(b).has_value());
  EXPECT_TRUE(DecodeReflector(b).has_value());
}

TEST(StampPacketTest, MbzOctetsAreIgnoredOnReceipt) {
  std::vector<uint8_t> b(kBasePacketBytes);
  EncodeReflector(SampleReflector(), b);
  b[38] = b[39] = b[41] = b[42] = b[43] = 0xFF;
  EXPECT_EQ(DecodeReflector(b), SampleReflector());
  EncodeSender(SampleSender(), b);
  std::fill(b.begin() + 16, b.end(), 0xFF);
  EXPECT_EQ(DecodeSender(b), SampleSender());
}

TEST(StampPacketTest, TimestampRoundTripsThroughThePacket) {
  const WallTime t(seconds(1'700'000'123) + nanoseconds(987'654'321));
  SenderPacket p;
  p.timestamp = ToNtp(t);
  std::vector<uint8_t> b(kBasePacketBytes);
  EncodeSender(p, b);
  const Duration err = NtpDifference(DecodeSender(b)->timestamp, ToNtp(t));
  EXPECT_EQ(err, Duration::zero());
  EXPECT_EQ(Slice(b, 4, 4), Bytes({0xE8, 0xFE, 0x6F, 0xFB}));  // 1700000123 + 2208988800
}

}  // namespace
}  // namespace hermes::net::stamp
