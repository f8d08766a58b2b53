#include "probe/tcp_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "net/socket.h"
#include "probe/probe_test_util.h"
#include "testing/probe_config.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A TCP socket bound to 127.0.0.1 on a kernel-chosen port; listening iff backlog >= 0.
struct LoopbackSocket {
  explicit LoopbackSocket(int backlog) {
    fd = net::UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (backlog >= 0) {
      EXPECT_EQ(::listen(fd.get(), backlog), 0);
    }
  }
  std::string Address() const { return "127.0.0.1:" + std::to_string(port); }
  net::UniqueFd fd;
  uint16_t port = 0;
};

// Fills a listen(fd, 0) socket's accept queue so further SYNs are dropped and a
// connect to it hangs until its deadline. Returns the connections to keep open.
std::vector<net::UniqueFd> FillBacklog(const LoopbackSocket& l) {
  std::vector<net::UniqueFd> held;
  for (int i = 0; i < 16; ++i) {
    net::UniqueFd c(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    auto addr = net::SocketAddress::FromIp("127.0.0.1", l.port);
    ::connect(c.get(), addr->get(), addr->len);
    pollfd p{c.get(), POLLOUT, 0};
    const bool established = ::poll(&p, 1, 200) == 1;
    held.push_back(std::move(c));
    if (!established) return held;
  }
  ADD_FAILURE() << "accept queue never filled";
  return held;
}

struct Env {
  ProbeResult Run(Probe& p, Duration timeout, Clock& c) {
    ProbeContext ctx{named, global, c, c.SteadyNow() + timeout, cancelled};
    return p.Run(ctx);
  }
  ProbeResult Run(Probe& p, Duration timeout) { return Run(p, timeout, clock); }
  config::Config global;
  config::ProbeConfig named{.name = "t"};
  config::TcpConfig cfg;
  SystemClock clock;
  std::atomic<bool> cancelled{false};
};

class FakeResolver final : public net::Resolver {
 public:
  explicit FakeResolver(Status fail = Status::Ok()) : fail_(std::move(fail)) {}
  Result<std::vector<net::SocketAddress>> Resolve(const std::string&, uint16_t port,
                                                  const net::Deadline&) override {
    if (!fail_.ok()) return fail_;
    return std::vector<net::SocketAddress>{*net::SocketAddress::FromIp("127.0.0.1", port)};
  }

 private:
  Status fail_;
};

// A dialer whose answers come from a script; records each attempt's budget.
class ScriptedDialer final : public net::Dialer {
 public:
  using Step = std::function<Result<Duration>(const net::Deadline&)>;
  explicit ScriptedDialer(std::vector<Step> steps, std::vector<Duration>* budgets)
      : steps_(std::move(steps)), budgets_(budgets) {}
  Result<Duration> ConnectOnce(const net::SocketAddress&, const net::PathOptions&,
                               const net::Deadline& d) override {
    budgets_->push_back(d.Remaining());
    return steps_[budgets_->size() - 1](d);
  }

 private:
  std::vector<Step> steps_;
  std::vector<Duration>* budgets_;
};

std::unique_ptr<Probe> MakeProbe(const config::TcpConfig& cfg,
                                 std::unique_ptr<net::Resolver> r = nullptr,
                                 std::unique_ptr<net::Dialer> d = nullptr) {
  auto p = (r || d) ? NewTcpProbe(cfg, r ? std::move(r) : net::NewSystemResolver(),
                                  d ? std::move(d) : net::NewTcpDialer())
                    : NewTcpProbe(cfg);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

TEST(TcpProbeTest, ConnectsToListeningSocketAndCountsSamples) {
  LoopbackSocket server(16);
  Env env;
  env.cfg.address = server.Address();
  env.cfg.samples = 5;
  ProbeResult r = env.Run(*MakeProbe(env.cfg), seconds(5));
  ASSERT_NO_FATAL_FAILURE(testutil::ExpectAllAnswered(r, 5));
  EXPECT_FALSE(r.reason.has_value());
  testutil::ExpectFillsExactlyItsLayout(
      r, TcpLayout(hermes::testing::MakeProbeConfig("t", "tcp", env.cfg)));
}

TEST(TcpProbeTest, ResolvesLocalhostFromHostsFile) {
  LoopbackSocket server(16);
  Env env;
  env.cfg.address = "localhost:" + std::to_string(server.port);
  env.cfg.samples = 1;
  ProbeResult r = env.Run(*MakeProbe(env.cfg), seconds(5));
  EXPECT_TRUE(r.success) << r.error;
}

TEST(TcpProbeTest, RefusedPortCountsLossAndConnectReason) {
  LoopbackSocket bound_not_listening(-1);  // holds the port; connects get RST
  Env env;
  env.cfg.address = bound_not_listening.Address();
  env.cfg.samples = 3;
  ProbeResult r = env.Run(*MakeProbe(env.cfg), seconds(5));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kConnect);
  EXPECT_EQ(testutil::IdlePackets(r).sent, 3u);
  EXPECT_EQ(testutil::IdlePackets(r).lost, 3u);
  EXPECT_EQ(testutil::IdlePackets(r).loss_ratio, 1.0);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
}

TEST(TcpProbeTest, UnresolvableHostFailsWithDnsReason) {
  Env env;
  env.cfg.address = "nonexistent.invalid:80";
  auto resolver = std::make_unique<FakeResolver>(Status::NotFound("resolve: no such name"));
  std::vector<Duration> budgets;
  auto dialer = std::make_unique<ScriptedDialer>(std::vector<ScriptedDialer::Step>{}, &budgets);
  ProbeResult r = env.Run(*MakeProbe(env.cfg, std::move(resolver), std::move(dialer)), seconds(5));
  EXPECT_EQ(r.reason, FailureReason::kDns);
  EXPECT_EQ(testutil::IdlePackets(r).sent, 0u);
  EXPECT_TRUE(budgets.empty());
}

TEST(TcpProbeTest, SplitsDeadlineEvenlyAndReportsTimeoutWhenNoConnectCompletes) {
  FakeClock clock;
  Env env;
  env.cfg.address = "192.0.2.1:443";  // never dialled: the dialer is fake
  env.cfg.samples = 4;
  std::vector<Duration> budgets;
  auto hang = [&clock](const net::Deadline& d) -> Result<Duration> {
    clock.Advance(d.Remaining());
    return Status(StatusCode::kDeadlineExceeded, "connect: timed out");
  };
  auto dialer =
      std::make_unique<ScriptedDialer>(std::vector<ScriptedDialer::Step>(4, hang), &budgets);
  ProbeResult r = env.Run(*MakeProbe(env.cfg, std::make_unique<FakeResolver>(), std::move(dialer)),
                          seconds(4), clock);
  EXPECT_EQ(r.reason, FailureReason::kTimeout);
  EXPECT_EQ(testutil::IdlePackets(r).sent, 4u);
  EXPECT_EQ(testutil::IdlePackets(r).lost, 4u);
  EXPECT_EQ(budgets, std::vector<Duration>(4, seconds(1)));
}

TEST(TcpProbeTest, PartialLossStillSucceedsWithMedianAndJitterOfSuccesses) {
  Env env;
  env.cfg.address = "192.0.2.1:443";
  env.cfg.samples = 4;
  std::vector<Duration> budgets;
  auto ok = [](Duration d) { return [d](const net::Deadline&) -> Result<Duration> { return d; }; };
  auto refused = [](const net::Deadline&) -> Result<Duration> {
    return Status::Unavailable("connect: Connection refused");
  };
  auto dialer = std::make_unique<ScriptedDialer>(
      std::vector<ScriptedDialer::Step>{ok(milliseconds(1)), refused, ok(milliseconds(3)), refused},
      &budgets);
  ProbeResult r =
      env.Run(*MakeProbe(env.cfg, std::make_unique<FakeResolver>(), std::move(dialer)), seconds(4));
  EXPECT_TRUE(r.success);
  EXPECT_EQ(testutil::IdlePackets(r).sent, 4u);
  EXPECT_EQ(testutil::IdlePackets(r).lost, 2u);
  EXPECT_DOUBLE_EQ(*testutil::IdlePackets(r).loss_ratio, 0.5);
  const LatencyResult& idle = r.latency[static_cast<size_t>(Load::kIdle)];
  EXPECT_DOUBLE_EQ(*idle.median_seconds, 0.002);
  EXPECT_DOUBLE_EQ(*idle.jitter_seconds, 0.002);
}

TEST(TcpProbeTest, FullAcceptQueueTimesOutWithinDeadline) {
  LoopbackSocket server(0);
  auto held = FillBacklog(server);
  Env env;
  env.cfg.address = server.Address();
  env.cfg.samples = 2;
  const auto start = std::chrono::steady_clock::now();
  ProbeResult r = env.Run(*MakeProbe(env.cfg), milliseconds(400));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.reason, FailureReason::kTimeout);
  EXPECT_EQ(testutil::IdlePackets(r).lost, testutil::IdlePackets(r).sent);
  EXPECT_GE(took, milliseconds(380));
  EXPECT_LT(took, milliseconds(400) + seconds(2));  // the deadline, plus a loaded host's slack
}

TEST(TcpProbeTest, CancellationStopsAHangingConnectPromptly) {
  LoopbackSocket server(0);
  auto held = FillBacklog(server);
  Env env;
  env.cfg.address = server.Address();
  env.cfg.samples = 3;
  auto probe = MakeProbe(env.cfg);
  std::thread canceller([&env] {
    std::this_thread::sleep_for(milliseconds(150));
    env.cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  ProbeResult r = env.Run(*probe, seconds(30));
  const auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.reason, FailureReason::kTimeout);
  EXPECT_EQ(r.error, "cancelled");
  EXPECT_EQ(testutil::IdlePackets(r).sent, 0u);  // the interrupted connect is not counted as lost
  EXPECT_LT(took, seconds(10));                  // far below the 30 s deadline
}

TEST(TcpProbeTest, FactoryRejectsAddressWithoutPortAndBadSamples) {
  config::TcpConfig cfg;
  cfg.address = "example.com";
  auto p = NewTcpProbe(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("needs a port"), std::string::npos) << p.status().message();
  cfg.address = "[::1]:443";
  cfg.samples = 0;
  p = NewTcpProbe(cfg);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("samples"), std::string::npos);
}

}  // namespace
}  // namespace hermes::probe
