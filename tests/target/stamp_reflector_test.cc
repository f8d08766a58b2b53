#include "target/stamp_reflector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "net/deadline.h"
#include "net/stamp_packet.h"
#include "net/udp_socket.h"
#include "target/stamp_test_util.h"

namespace hermes::target {
namespace {

namespace stamp = net::stamp;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Client {
  Client(const std::string& ip, uint16_t port)
      : sock(net::UdpSocket::Connect(*net::SocketAddress::FromIp(ip, port)).value()) {}

  void Send(std::vector<uint8_t> packet) { ASSERT_TRUE(sock.Send(packet).ok()); }
  void SendStamp(uint32_t seq, size_t size = stamp::kBasePacketBytes, uint16_t ssid = 0) {
    std::vector<uint8_t> b(size);
    for (size_t i = stamp::kBasePacketBytes; i < size; ++i) b[i] = static_cast<uint8_t>(i * 7);
    stamp::SenderPacket p;
    p.sequence = seq;
    p.timestamp = stamp::ToNtp(clock.WallNow());
    p.error = stamp::ErrorEstimate::FromSeconds(0.001, false);
    p.ssid = ssid;
    stamp::EncodeSender(p, b);
    Send(b);
  }
  // The next datagram, waiting up to 10 s (a generous bound for a loaded machine).
  std::vector<uint8_t> Receive() {
    const net::Deadline d{clock, clock.SteadyNow() + seconds(10), never};
    if (!net::WaitFd(sock.fd(), POLLIN, d).ok()) return {};
    std::vector<uint8_t> buf(65536);
    auto r = sock.TryReceive(buf);
    if (!r.ok() || !r->has_value()) return {};
    buf.resize((*r)->size);
    return buf;
  }
  SystemClock clock;
  std::atomic<bool> never{false};
  net::UdpSocket sock;
};

// A UDP socket bound to `ip` (a loopback address: any of 127.0.0.0/8) on `from_port`
// (0: an ephemeral one) and connected to 127.0.0.1:`port`; -1 on failure.
int BoundClient(const std::string& ip, uint16_t port, uint16_t from_port = 0) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(from_port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Reads replies on `fd` until one answers `want` or `wait` passed (10 s: a generous
// bound for a loaded machine); returns the last answered sender sequence (~0u: none).
uint32_t ReceiveSenderSequence(int fd, uint32_t want, Duration wait = seconds(10)) {
  SystemClock clock;
  std::atomic<bool> never{false};
  const net::Deadline d{clock, clock.SteadyNow() + wait, never};
  uint32_t last = ~0u;
  std::vector<uint8_t> buf(2048);
  while (last != want && net::WaitFd(fd, POLLIN, d).ok()) {
    const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
    if (got <= 0) break;
    if (auto p = stamp::DecodeReflector(std::span(buf.data(), static_cast<size_t>(got)))) {
      last = p->sender_sequence;
    }
  }
  return last;
}

std::vector<uint8_t> StampBytes(uint32_t seq) {
  std::vector<uint8_t> b(stamp::kBasePacketBytes);
  stamp::SenderPacket p;
  p.sequence = seq;
  stamp::EncodeSender(p, b);
  return b;
}

}  // namespace

std::unique_ptr<StampReflector> StartReflector(const std::string& addr, StampLimits l) {
  static SystemClock clock;
  auto r = StampReflector::Create({addr, l}, clock);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return nullptr;
  const Status st = (*r)->Start();
  EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? std::move(r).value() : nullptr;
}

namespace {

TEST(StampReflectorTest, AnswersWithTheFieldsOfFigure5) {
  auto r = StartReflector("127.0.0.1:0");
  ASSERT_NE(r, nullptr);
  Client c("127.0.0.1", r->port());
  const WallTime before = c.clock.WallNow();
  c.SendStamp(41, stamp::kBasePacketBytes, 0x1234);
  const std::vector<uint8_t> b = c.Receive();
  const WallTime after = c.clock.WallNow();
  ASSERT_EQ(b.size(), stamp::kBasePacketBytes);
  auto p = stamp::DecodeReflector(b);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sequence, 0u);  // stateful: the session's first reflected packet
  EXPECT_EQ(p->sender_sequence, 41u);
  EXPECT_EQ(p->ssid, 0x1234);
  EXPECT_EQ(p->sender_ttl, 255);  // loopback does not decrement; senders use 255
  EXPECT_EQ(p->sender_error, stamp::ErrorEstimate::FromSeconds(0.001, false));
  EXPECT_FALSE(p->error.ptp);  // NTP format
  EXPECT_NE(p->error.multiplier, 0);
  const Duration processing = stamp::NtpDifference(p->timestamp, p->receive_timestamp);
  EXPECT_GE(processing, Duration::zero());
  EXPECT_GE(stamp::NtpDifference(p->receive_timestamp, stamp::ToNtp(before)),
            -std::chrono::milliseconds(1));
  EXPECT_LE(stamp::NtpDifference(p->timestamp, stamp::ToNtp(after)), Duration::zero());
  for (size_t i : {38, 39, 41, 42, 43}) EXPECT_EQ(b[i], 0) << i;  // MBZ
}

TEST(StampReflectorTest, ReplyHasTheRequestSizeAndCopiesItsPadding) {
  auto r = StartReflector("127.0.0.1:0");
  ASSERT_NE(r, nullptr);
  Client c("127.0.0.1", r->port());
  for (size_t size : {45, 100, 1452, 9000}) {
    c.SendStamp(1, size);
    const std::vector<uint8_t> b = c.Receive();
    ASSERT_EQ(b.size(), size);
    for (size_t i = stamp::kBasePacketBytes; i < size; ++i) {
      ASSERT_EQ(b[i], static_cast<uint8_t>(i * 7)) << size << " " << i;
    }
  }
}

TEST(StampReflectorTest, NeverAnswersWithMoreBytesThanReceived) {
  auto r = StartReflector("127.0.0.1:0");
  ASSERT_NE(r, nullptr);
  Client c("127.0.0.1", r->port());
  // Short (RFC 8762 would answer a 44-octet base packet: amplification) and
  // oversized datagrams are dropped; the valid packet after them shows nothing came.
  for (size_t size : {0, 1, 14, 41, 43}) c.Send(std::vector<uint8_t>(size, 0xAB));
  c.Send(std::vector<uint8_t>(StampReflector::kMaxDatagramBytes + 1, 0));
  c.SendStamp(5);
  const std::vector<uint8_t> b = c.Receive();
  ASSERT_EQ(b.size(), stamp::kBasePacketBytes);
  EXPECT_EQ(stamp::DecodeReflector(b)->sender_sequence, 5u);
  EXPECT_EQ(r->counters().malformed, 6u);
  EXPECT_EQ(r->counters().reflected, 1u);
}

TEST(StampReflectorTest, StatefulNumbersRepliesStatelessEchoes) {
  for (bool stateful : {true, false}) {
    StampLimits l;
    l.stateless = !stateful;
    auto r = StartReflector("127.0.0.1:0", l);
    ASSERT_NE(r, nullptr);
    Client c("127.0.0.1", r->port());
    std::vector<uint32_t> got;
    for (uint32_t seq : {3, 4, 9}) {
      c.SendStamp(seq);
      got.push_back(stamp::DecodeReflector(c.Receive())->sequence);
    }
    EXPECT_EQ(got, stateful ? std::vector<uint32_t>({0, 1, 2}) : std::vector<uint32_t>({3, 4, 9}));
  }
}

TEST(StampReflectorTest, RateLimitBoundsRepliesPerClient) {
  StampLimits l;
  l.packets_per_second = 5;  // burst of 5, then one per 200 ms
  auto r = StartReflector("127.0.0.1:0", l);
  ASSERT_NE(r, nullptr);
  Client c("127.0.0.1", r->port());
  const SteadyTime start = c.clock.SteadyNow();
  for (uint32_t i = 0; i < 50; ++i) c.SendStamp(i);
  const SteadyTime give_up = start + seconds(10);
  while (r->counters().reflected + r->counters().rate_limited < 50 &&
         c.clock.SteadyNow() < give_up) {
    std::this_thread::yield();
  }
  const double elapsed = ToSeconds(c.clock.SteadyNow() - start);
  const StampCounters n = r->counters();
  EXPECT_EQ(n.reflected + n.rate_limited, 50u);
  // The burst plus what refilled while the 50 arrived.
  EXPECT_GE(n.reflected, 5u);
  EXPECT_LE(static_cast<double>(n.reflected), 5 + 5 * elapsed + 1);
  EXPECT_GT(n.rate_limited, 0u);
}

// A flood from one address over many source ports (each a new stateful session):
// the replies stay within the address' rate (a burst of one second's worth, then
// the rate) and the state within max_sessions_per_client. The marker client's
// reply, sent after the flood on the same socket queue, shows that every flood
// datagram the kernel queued has been handled.
TEST(StampReflectorTest, FloodFromManySourcePortsIsRateLimitedAndHoldsBoundedState) {
  StampLimits l;
  l.packets_per_second = 50;
  l.max_sessions_per_client = 8;
  auto r = StartReflector("127.0.0.1:0", l);
  ASSERT_NE(r, nullptr);
  constexpr int kPorts = 200, kEach = 5;
  SystemClock clock;
  const SteadyTime start = clock.SteadyNow();
  for (int i = 0; i < kPorts; ++i) {
    const int fd = BoundClient("127.0.0.1", r->port());
    ASSERT_GE(fd, 0) << std::strerror(errno);
    for (int k = 0; k < kEach; ++k) {
      const std::vector<uint8_t> b = StampBytes(static_cast<uint32_t>(k));
      ASSERT_EQ(::send(fd, b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
    }
    ::close(fd);
  }
  // The marker, from another address (its own bucket), is answered after every
  // flood datagram queued before it was handled. A busy host may drop it with the
  // flood (a full receive queue): it is sent again until one is answered.
  const int marker = BoundClient("127.0.0.2", r->port());
  ASSERT_GE(marker, 0) << std::strerror(errno);
  uint32_t markers = 0;
  bool answered = false;
  while (!answered && markers < 50) {
    const std::vector<uint8_t> b = StampBytes(markers);
    ASSERT_EQ(::send(marker, b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
    answered = ReceiveSenderSequence(marker, markers, milliseconds(200)) == markers;
    ++markers;
  }
  ::close(marker);
  ASSERT_TRUE(answered) << "no reply to " << markers << " marker packets";
  const double elapsed = ToSeconds(clock.SteadyNow() - start);
  const StampCounters n = r->counters();
  // The burst, what refilled meanwhile, and the marker's replies.
  EXPECT_LE(static_cast<double>(n.reflected), 50 + 50 * elapsed + 1 + markers) << elapsed;
  EXPECT_GE(n.reflected, 50u + 1);
  EXPECT_GT(n.rate_limited, 0u);
  EXPECT_EQ(n.clients, 2u);
  EXPECT_LE(n.sessions, 8u + 1);
  EXPECT_GE(n.sessions, 1u);
}

// A flood from many source addresses: the table of clients stays at max_clients;
// newcomers beyond it are refused, known clients are still answered.
TEST(StampReflectorTest, FloodFromManyAddressesFillsOnlyTheClientTable) {
  StampLimits l;
  l.max_clients = 16;
  auto r = StartReflector("127.0.0.1:0", l);
  ASSERT_NE(r, nullptr);
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) {
    const int fd = BoundClient("127.0.1." + std::to_string(i + 1), r->port());
    ASSERT_GE(fd, 0) << std::strerror(errno);
    fds.push_back(fd);
    const std::vector<uint8_t> b = StampBytes(0);
    ASSERT_EQ(::send(fd, b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  }
  // The first address is a known client: its next packet is answered, after every
  // datagram before it was handled.
  const std::vector<uint8_t> b = StampBytes(1);
  ASSERT_EQ(::send(fds[0], b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  const uint32_t sender_sequence = ReceiveSenderSequence(fds[0], 1);
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(sender_sequence, 1u) << "the known client's second packet was not answered";
  const StampCounters n = r->counters();
  EXPECT_EQ(n.clients, 16u);
  EXPECT_EQ(n.too_many_clients + n.reflected, 64u + 1);
  EXPECT_EQ(n.reflected, 16u + 1);
}

TEST(StampReflectorTest, NeverAnswersAReflectorsPortSoTwoReflectorsCannotLoop) {
  auto r = StartReflector("127.0.0.1:0");
  ASSERT_NE(r, nullptr);
  // A spoofed request "from" another reflector (its own port, or STAMP's 862): an
  // answer would be a request to that reflector, whose answer comes back, for ever.
  const int looped = BoundClient("127.0.2.1", r->port(), r->port());
  ASSERT_GE(looped, 0) << std::strerror(errno);
  const int sender = BoundClient("127.0.2.2", r->port());
  ASSERT_GE(sender, 0) << std::strerror(errno);
  const std::vector<uint8_t> b = StampBytes(7);
  ASSERT_EQ(::send(looped, b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  // A session-sender's packet after it is answered once the first one was handled.
  ASSERT_EQ(::send(sender, b.data(), b.size(), 0), static_cast<ssize_t>(b.size()));
  EXPECT_EQ(ReceiveSenderSequence(sender, 7), 7u);
  // Nothing waits on the looped socket: the reflector handled it before the sender's.
  EXPECT_LT(::recv(looped, std::vector<uint8_t>(64).data(), 64, MSG_DONTWAIT), 0);
  ::close(looped);
  ::close(sender);
  const StampCounters n = r->counters();
  EXPECT_EQ(n.from_reflector_port, 1u);
  EXPECT_EQ(n.reflected, 1u);
}

TEST(StampReflectorTest, AllInterfacesServesIpv4AndIpv6) {
  auto r = StartReflector(":0");
  ASSERT_NE(r, nullptr);
  Client v4("127.0.0.1", r->port());
  v4.SendStamp(1);
  EXPECT_EQ(v4.Receive().size(), stamp::kBasePacketBytes);
  // The kernel would answer 127.0.0.2's client from 127.0.0.1 (its source route),
  // which a connected client drops: the reply must come from the address it used.
  Client other("127.0.0.2", r->port());
  other.SendStamp(1);
  EXPECT_EQ(other.Receive().size(), stamp::kBasePacketBytes);
  auto v6sock = net::UdpSocket::Connect(*net::SocketAddress::FromIp("::1", r->port()));
  if (!v6sock.ok()) GTEST_SKIP() << "no IPv6 loopback";
  Client v6("::1", r->port());
  v6.SendStamp(2);
  const std::vector<uint8_t> b = v6.Receive();
  ASSERT_EQ(b.size(), stamp::kBasePacketBytes);
  EXPECT_EQ(stamp::DecodeReflector(b)->sender_ttl, 255);  // Hop Limit
}

TEST(StampReflectorTest, BadListenAddressesAreErrorsNamingTheAddress) {
  SystemClock clock;
  for (const char* bad : {"862", "localhost:862", "127.0.0.1:99999", "::1:862"}) {
    auto r = StampReflector::Create({bad, {}}, clock);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
  auto first = StartReflector("127.0.0.1:0");
  ASSERT_NE(first, nullptr);
  const std::string busy = "127.0.0.1:" + std::to_string(first->port());
  auto taken = StampReflector::Create({busy, {}}, clock);
  ASSERT_TRUE(taken.ok());  // the address is valid; binding it is Start()'s
  const Status st = (*taken)->Start();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find(busy), std::string::npos) << st.message();
}

TEST(StampReflectorTest, StopsPromptlyAndIdempotently) {
  auto r = StartReflector("127.0.0.1:0");
  ASSERT_NE(r, nullptr);
  r->Stop();
  r->Stop();
}

}  // namespace
}  // namespace hermes::target
