#include "probe/dns_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/dns_client.h"
#include "net/socket.h"
#include "probe/probe_test_util.h"
#include "testing/probe_config.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on one port): A queries
// for "example.test" get two A records, other names NXDOMAIN; it can also answer
// SERVFAIL or stay silent. Runs on its own thread until destroyed.
class DnsFixture {
 public:
  enum class Mode { kAnswer, kServfail, kSilent };

  explicit DnsFixture(Mode mode) : mode_(mode) {
    // The kernel picks a TCP port that is free for TCP; the same UDP port may be
    // taken by another process, so try again with a new one until both bind.
    for (int attempt = 0; attempt < 100 && port_ == 0; ++attempt) {
      tcp_ = net::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      udp_ = net::UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof(a);
      if (::bind(tcp_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
          ::getsockname(tcp_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
          ::bind(udp_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        continue;
      }
      port_ = ntohs(a.sin_port);
    }
    EXPECT_NE(port_, 0) << "no port free for both UDP and TCP";
    EXPECT_EQ(::listen(tcp_.get(), 8), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~DnsFixture() {
    stop_ = true;
    thread_.join();
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }
  std::vector<std::string> peers() {  // source IP of every query
    std::lock_guard<std::mutex> l(mu_);
    return peers_;
  }

  // Builds the response to `q` (public so parsing can be checked from bytes).
  static std::vector<uint8_t> Respond(const std::vector<uint8_t>& q, Mode mode) {
    std::string name;
    size_t i = 12;
    while (i < q.size() && q[i] != 0) {
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(&q[i + 1]), q[i]);
      i += q[i] + 1u;
    }
    const size_t question_end = i + 5;  // root label, type, class
    const int qtype = q[i + 1] << 8 | q[i + 2];
    std::vector<uint8_t> r(q.begin(), q.begin() + static_cast<long>(question_end));
    r[2] = 0x80 | (q[2] & 0x01);  // QR, RD copied
    const bool known = name == "example.test" && qtype == 1;
    const int rcode = mode == Mode::kServfail ? 2 : known ? 0 : 3;
    r[3] = static_cast<uint8_t>(0x80 | rcode);  // RA
    r[4] = 0, r[5] = 1, r[6] = 0, r[7] = 0, r[8] = r[9] = r[10] = r[11] = 0;
    if (rcode == 0) {
      r[7] = 2;
      for (uint8_t last : {1, 2}) {
        const uint8_t rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, last};
        r.insert(r.end(), std::begin(rr), std::end(rr));
      }
    }
    return r;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p[2] = {{udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}};
      if (::poll(p, 2, 20) <= 0) continue;
      if (p[0].revents & POLLIN) ServeUdp();
      if (p[1].revents & POLLIN) ServeTcp();
    }
  }
  void ServeUdp() {
    uint8_t buf[512];
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    const ssize_t n =
        ::recvfrom(udp_.get(), buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 12) return;
    Record(from, len);
    ++queries_;
    if (mode_ == Mode::kSilent) return;
    auto r = Respond(std::vector<uint8_t>(buf, buf + n), mode_);
    ::sendto(udp_.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
  void ServeTcp() {
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    net::UniqueFd c(::accept(tcp_.get(), reinterpret_cast<sockaddr*>(&from), &len));
    Record(from, len);
    uint8_t buf[514];
    size_t got = 0;
    while (got < 2 || got < 2u + (buf[0] << 8 | buf[1])) {
      const ssize_t n = ::read(c.get(), buf + got, sizeof(buf) - got);
      if (n <= 0) return;
      got += static_cast<size_t>(n);
    }
    ++queries_;
    if (mode_ == Mode::kSilent) return;
    auto r = Respond(std::vector<uint8_t>(buf + 2, buf + got), mode_);
    const uint8_t prefix[2] = {static_cast<uint8_t>(r.size() >> 8), static_cast<uint8_t>(r.size())};
    r.insert(r.begin(), std::begin(prefix), std::end(prefix));
    EXPECT_EQ(::write(c.get(), r.data(), r.size()), static_cast<ssize_t>(r.size()));
  }

  void Record(const sockaddr_storage& from, socklen_t len) {
    std::lock_guard<std::mutex> l(mu_);
    peers_.push_back(
        net::SocketAddress::FromSockaddr(reinterpret_cast<const sockaddr*>(&from), len).IpString());
  }

  const Mode mode_;
  std::mutex mu_;
  std::vector<std::string> peers_;  // guarded by mu_
  net::UniqueFd udp_, tcp_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

struct Env {
  Env() { cfg.query = "example.test"; }
  ProbeResult Run(Duration timeout) {
    auto p = NewDnsProbe(cfg);
    EXPECT_TRUE(p.ok()) << p.status().message();
    ProbeContext ctx{named, global, clock, clock.SteadyNow() + timeout, cancelled};
    return (*p)->Run(ctx);
  }
  config::Config global;
  config::ProbeConfig named{.name = "d"};
  config::DnsConfig cfg;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
};

TEST(DnsProbeTest, AnswerWithTwoRecordsSucceedsAndReportsCountAndTime) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  Env env;
  env.cfg.server = server.Address();
  ProbeResult r = env.Run(seconds(5));
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.error, "rcode NOERROR, 2 answers");
  const auto resolve = r.phase_seconds[static_cast<size_t>(Phase::kResolve)];
  ASSERT_TRUE(resolve.has_value());
  EXPECT_GT(*resolve, 0);
  EXPECT_LT(*resolve, 1);

  EXPECT_GT(r.transferred_bytes[static_cast<size_t>(Direction::kUpload)], 12u);
  EXPECT_GT(r.transferred_bytes[static_cast<size_t>(Direction::kDownload)], 12u + 32u);
  EXPECT_EQ(server.queries(), 1);
  testutil::ExpectFillsExactlyItsLayout(
      r, DnsLayout(hermes::testing::MakeProbeConfig("d", "dns", env.cfg)));
}

// source_ip_address binds every socket c-ares opens, over UDP and TCP.
TEST(DnsProbeTest, QueriesLeaveFromTheSourceAddress) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  for (const char* transport : {"udp", "tcp"}) {
    Env env;
    env.cfg.server = server.Address();
    env.cfg.transport = transport;
    env.named.path.source_ip_address = "127.0.0.9";
    ProbeResult r = env.Run(seconds(5));
    ASSERT_TRUE(r.success) << transport << ": " << r.error;
  }
  EXPECT_EQ(server.peers(), (std::vector<std::string>{"127.0.0.9", "127.0.0.9"}));
}

// c-ares ignores a failed SO_BINDTODEVICE of its own; hermes' binding fails the
// query instead of letting it leave by another interface.
TEST(DnsProbeTest, InterfaceThatCannotBeBoundFailsAsConnect) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  Env env;
  env.cfg.server = server.Address();
  env.named.path.interface = "hermes-gone0";
  ProbeResult r = env.Run(seconds(5));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kConnect) << r.error;
  EXPECT_NE(r.error.find("bind to interface hermes-gone0: No such device"), std::string::npos)
      << r.error;
  EXPECT_EQ(server.queries(), 0);
}

TEST(DnsProbeTest, NxdomainFailsWithDnsReason) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  Env env;
  env.cfg.server = server.Address();
  env.cfg.query = "missing.test";
  ProbeResult r = env.Run(seconds(5));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kDns);
  EXPECT_EQ(r.error, "rcode NXDOMAIN, 0 answers");
}

TEST(DnsProbeTest, NxdomainSucceedsWhenListedInValidRcodes) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  Env env;
  env.cfg.server = server.Address();
  env.cfg.query = "missing.test";
  env.cfg.valid_rcodes = {"NOERROR", "NXDOMAIN"};
  EXPECT_TRUE(env.Run(seconds(5)).success);
}

TEST(DnsProbeTest, ServfailFailsWithDnsReasonAfterOneQuery) {
  DnsFixture server(DnsFixture::Mode::kServfail);
  Env env;
  env.cfg.server = server.Address();
  ProbeResult r = env.Run(seconds(5));
  EXPECT_EQ(r.reason, FailureReason::kDns);
  EXPECT_EQ(r.error, "rcode SERVFAIL, 0 answers");
  EXPECT_EQ(server.queries(), 1);
}

TEST(DnsProbeTest, SilentServerTimesOutWithinDeadline) {
  DnsFixture server(DnsFixture::Mode::kSilent);
  Env env;
  env.cfg.server = server.Address();
  const auto start = std::chrono::steady_clock::now();
  ProbeResult r = env.Run(milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.reason, FailureReason::kTimeout) << r.error;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(300) + seconds(2));  // the deadline, not c-ares' own timeouts
}

TEST(DnsProbeTest, CancellationStopsAWaitingQueryPromptly) {
  DnsFixture server(DnsFixture::Mode::kSilent);
  Env env;
  env.cfg.server = server.Address();
  std::thread canceller([&env] {
    std::this_thread::sleep_for(milliseconds(100));
    env.cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  ProbeResult r = env.Run(seconds(30));
  const auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(r.reason, FailureReason::kTimeout);
  EXPECT_EQ(r.error, "cancelled");
  EXPECT_LT(took, seconds(10));  // far below the 30 s deadline
}

TEST(DnsProbeTest, TcpTransportAnswers) {
  DnsFixture server(DnsFixture::Mode::kAnswer);
  Env env;
  env.cfg.server = server.Address();
  env.cfg.transport = "tcp";
  ProbeResult r = env.Run(seconds(5));
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.error, "rcode NOERROR, 2 answers");
}

TEST(DnsProbeTest, RefusedTcpConnectionFailsWithConnectReason) {
  // A bound, non-listening TCP socket holds a port that refuses connections.
  net::UniqueFd holder(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&a), &len);
  Env env;
  env.cfg.server = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  env.cfg.transport = "tcp";
  ProbeResult r = env.Run(seconds(5));
  EXPECT_EQ(r.reason, FailureReason::kConnect) << r.error;
}

TEST(DnsProbeTest, FactoryRejectsHostNameServerUnknownTypeAndRcode) {
  config::DnsConfig cfg;
  cfg.query = "example.com";
  cfg.server = "dns.example.com:53";
  auto p = NewDnsProbe(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("must be an IP address"), std::string::npos);
  cfg.server = "[::1]";  // default port 53
  EXPECT_TRUE(NewDnsProbe(cfg).ok());
  cfg.query_type = "AXFR";
  EXPECT_FALSE(NewDnsProbe(cfg).ok());
  cfg.query_type = "MX";
  cfg.valid_rcodes = {"NOPE"};
  p = NewDnsProbe(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("valid_rcodes"), std::string::npos);
}

TEST(DnsClientTest, ParsesHeaderFieldsFromBytes) {
  const std::vector<uint8_t> query = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,
                                      0,    0,    7,    'e',  'x', 'a', 'm', 'p', 'l', 'e',
                                      4,    't',  'e',  's',  't', 0,   0,   1,   0,   1};
  auto resp = DnsFixture::Respond(query, DnsFixture::Mode::kAnswer);
  auto h = net::ParseDnsHeader(resp);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->id, 0x1234);
  EXPECT_TRUE(h->response);
  EXPECT_FALSE(h->truncated);
  EXPECT_EQ(h->rcode, 0);
  EXPECT_EQ(h->question_count, 1);
  EXPECT_EQ(h->answer_count, 2);
  EXPECT_FALSE(net::ParseDnsHeader(std::vector<uint8_t>(11, 0)).ok());
  EXPECT_EQ(net::DnsRcodeName(3), "NXDOMAIN");
  EXPECT_EQ(net::DnsRcodeName(15), "RCODE15");
  EXPECT_EQ(net::DnsTypeFromName("AAAA"), 28);
  EXPECT_EQ(net::DnsRcodeFromName("REFUSED"), 5);
}

}  // namespace
}  // namespace hermes::probe
