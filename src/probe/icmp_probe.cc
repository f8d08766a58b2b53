#include "probe/icmp_probe.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probe/path.h"

namespace hermes::probe {
namespace {

using std::chrono::milliseconds;

constexpr int kMaxSamples = 100;
static_assert(net::kEchoMessageBytes == config::kIcmpEchoBytes,
              "the data budget counts echo messages of this size");
constexpr Duration kMaxSpacing = milliseconds(100);
constexpr Duration kMaxFinalWait = std::chrono::seconds(1);

size_t Index(Load l) { return static_cast<size_t>(l); }
size_t Index(Direction d) { return static_cast<size_t>(d); }

class IcmpProbe final : public Probe {
 public:
  IcmpProbe(std::string host, int samples, net::IcmpSocketKind kind,
            std::unique_ptr<net::Resolver> resolver)
      : host_(std::move(host)), samples_(samples), kind_(kind), resolver_(std::move(resolver)) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    const net::Deadline run{ctx.clock, ctx.deadline, ctx.cancelled};
    const net::PathOptions path = PathOf(ctx.config.path);
    ProbeResult failed;
    const auto chosen = ResolvePeer(*resolver_, host_, 0, path, run, &failed);
    if (!chosen) return failed;
    const net::SocketAddress& peer = *chosen;
    auto sock = net::IcmpSocket::Open(kind_, peer.family(), path);
    if (!sock.ok()) {
      const bool bind = sock.status().code() == StatusCode::kUnavailable;
      return ProbeResult::Failure(bind ? FailureReason::kConnect : FailureReason::kUnknown,
                                  sock.status().message());
    }

    return Exchange(ctx, run, *sock, peer);
  }

 private:
  ProbeResult Exchange(const ProbeContext& ctx, const net::Deadline& run, net::IcmpSocket& sock,
                       const net::SocketAddress& peer) {
    const size_t n = static_cast<size_t>(samples_);
    std::vector<std::optional<SteadyTime>> sent_at(n);
    std::vector<std::optional<double>> rtt(n);
    size_t sent = 0, received = 0, send_errors = 0;
    std::string last_error;
    const Duration spacing =
        std::clamp<Duration>(run.Remaining() / (samples_ + 1), Duration::zero(), kMaxSpacing);
    SteadyTime next_send = ctx.clock.SteadyNow();
    SteadyTime stop_at = ctx.deadline;  // moves closer after the last send

    while (!run.Cancelled()) {
      SteadyTime now = ctx.clock.SteadyNow();
      if (sent < n && now >= next_send) {
        Status s = sock.SendEcho(peer, static_cast<uint16_t>(sent));
        sent_at[sent] = now;
        if (!s.ok()) {
          ++send_errors;
          last_error = s.message();
        }
        ++sent;
        next_send += spacing;
        if (sent == n) stop_at = std::min(ctx.deadline, now + kMaxFinalWait);
      }
      if (sent == n && received + send_errors == n) break;
      if (now >= stop_at) break;

      const SteadyTime wake = sent < n ? std::min(next_send, stop_at) : stop_at;
      auto ready = net::WaitFd(sock.fd(), POLLIN, run.Sooner(wake));
      if (!ready.ok()) continue;  // woke for the next send, the stop time or cancellation
      bool drained = false;
      while (!drained) {
        auto reply = sock.TryReceive(peer, &drained);
        if (!reply || reply->seq >= n || !sent_at[reply->seq] || rtt[reply->seq]) continue;
        rtt[reply->seq] = ToSeconds(ctx.clock.SteadyNow() - *sent_at[reply->seq]);
        ++received;
      }
    }

    ProbeResult res;
    LatencyResult& idle = res.latency[Index(Load::kIdle)];
    for (const auto& r : rtt) {
      if (r) idle.samples_seconds.push_back(*r);
    }
    Summarize(idle);
    PacketResult& packets = res.packets[Index(Load::kIdle)];
    packets.sent = sent;
    packets.lost = sent - received;
    if (sent > 0) packets.loss_ratio = static_cast<double>(sent - received) / sent;
    res.transferred_bytes[Index(Direction::kUpload)] =
        (sent - send_errors) * net::kEchoMessageBytes;
    res.transferred_bytes[Index(Direction::kDownload)] = received * net::kEchoMessageBytes;

    if (run.Cancelled()) {
      res.reason = FailureReason::kTimeout;
      res.error = "cancelled";
    } else if (received == 0) {
      res.reason =
          sent > 0 && send_errors == sent ? FailureReason::kConnect : FailureReason::kTimeout;
      res.error =
          "no echo reply from " + peer.IpString() + " to " + std::to_string(sent) + " requests";
      if (!last_error.empty()) res.error += "; last: " + last_error;
    } else {
      res.success = true;
    }
    return res;
  }

  const std::string host_;
  const int samples_;
  const net::IcmpSocketKind kind_;
  const std::unique_ptr<net::Resolver> resolver_;
};

}  // namespace

Result<std::unique_ptr<Probe>> NewIcmpProbe(const config::IcmpConfig& cfg,
                                            const net::IcmpCapabilities& caps,
                                            std::unique_ptr<net::Resolver> resolver) {
  if (cfg.host.empty()) return Status::Invalid("host: must name the host to ping");
  if (cfg.samples < 1 || cfg.samples > kMaxSamples) {
    return Status::Invalid("samples: " + std::to_string(cfg.samples) + " is out of range 1.." +
                           std::to_string(kMaxSamples));
  }
  auto kind = net::ChooseIcmpSocket(caps);
  if (!kind.ok()) return kind.status();
  return std::unique_ptr<Probe>(
      std::make_unique<IcmpProbe>(cfg.host, cfg.samples, *kind, std::move(resolver)));
}

Result<std::unique_ptr<Probe>> NewIcmpProbe(const config::IcmpConfig& cfg) {
  return NewIcmpProbe(cfg, net::DetectIcmpCapabilities(), net::NewSystemResolver());
}

ResultLayout IcmpLayout(const config::ProbeConfig&) {
  return {.loads = {Load::kIdle},
          .packets = {Load::kIdle},
          .transferred = {Direction::kDownload, Direction::kUpload}};
}

}  // namespace hermes::probe
