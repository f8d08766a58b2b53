#include "probe/tcp_probe.h"

#include <string>
#include <utility>

#include "probe/path.h"

namespace hermes::probe {
namespace {

constexpr int kMaxSamples = 100;

size_t Index(Load l) { return static_cast<size_t>(l); }

class TcpProbe final : public Probe {
 public:
  TcpProbe(net::HostPort target, int samples, std::unique_ptr<net::Resolver> resolver,
           std::unique_ptr<net::Dialer> dialer)
      : target_(std::move(target)),
        samples_(samples),
        resolver_(std::move(resolver)),
        dialer_(std::move(dialer)) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    const net::Deadline run{ctx.clock, ctx.deadline, ctx.cancelled};
    const net::PathOptions path = PathOf(ctx.config.path);
    ProbeResult failed;
    const auto chosen = ResolvePeer(*resolver_, target_.host, target_.port, path, run, &failed);
    if (!chosen) return failed;
    ProbeResult res;
    const net::SocketAddress& addr = *chosen;

    LatencyResult& idle = res.latency[Index(Load::kIdle)];
    PacketResult& packets = res.packets[Index(Load::kIdle)];
    int refused = 0;
    std::string last_error;
    for (int i = 0; i < samples_ && !run.Expired(); ++i) {
      const Duration share = run.Remaining() / (samples_ - i);
      const net::Deadline attempt = run.Sooner(ctx.clock.SteadyNow() + share);
      auto rtt = dialer_->ConnectOnce(addr, path, attempt);
      // A connect cut short by cancellation says nothing about the path.
      if (!rtt.ok() && run.Cancelled()) break;
      ++packets.sent;
      if (rtt.ok()) {
        idle.samples_seconds.push_back(ToSeconds(*rtt));
        continue;
      }
      ++packets.lost;
      if (rtt.status().code() != StatusCode::kDeadlineExceeded) ++refused;
      last_error = rtt.status().message();
    }
    Summarize(idle);
    if (packets.sent > 0) {
      packets.loss_ratio = static_cast<double>(packets.lost) / static_cast<double>(packets.sent);
    }

    if (run.Cancelled()) {
      res.reason = FailureReason::kTimeout;
      res.error = "cancelled";
    } else if (idle.samples_seconds.empty()) {
      res.reason = refused > 0 ? FailureReason::kConnect : FailureReason::kTimeout;
      res.error =
          "0 of " + std::to_string(packets.sent) + " connects to " + addr.ToString() + " succeeded";
      if (packets.sent < static_cast<uint64_t>(samples_)) {
        res.error += " before the deadline (" + std::to_string(samples_) + " planned)";
      }
      if (!last_error.empty()) res.error += "; last: " + last_error;
    } else {
      res.success = true;
    }
    return res;
  }

 private:
  const net::HostPort target_;
  const int samples_;
  const std::unique_ptr<net::Resolver> resolver_;
  const std::unique_ptr<net::Dialer> dialer_;
};

}  // namespace

Result<std::unique_ptr<Probe>> NewTcpProbe(const config::TcpConfig& cfg,
                                           std::unique_ptr<net::Resolver> resolver,
                                           std::unique_ptr<net::Dialer> dialer) {
  auto target = net::SplitHostPort(cfg.address);
  if (!target.ok()) return target.status().WithContext("address");
  if (cfg.samples < 1 || cfg.samples > kMaxSamples) {
    return Status::Invalid("samples: " + std::to_string(cfg.samples) + " is out of range 1.." +
                           std::to_string(kMaxSamples));
  }
  return std::unique_ptr<Probe>(std::make_unique<TcpProbe>(std::move(target).value(), cfg.samples,
                                                           std::move(resolver), std::move(dialer)));
}

Result<std::unique_ptr<Probe>> NewTcpProbe(const config::TcpConfig& cfg) {
  return NewTcpProbe(cfg, net::NewSystemResolver(), net::NewTcpDialer());
}

ResultLayout TcpLayout(const config::ProbeConfig&) {
  return {.loads = {Load::kIdle}, .packets = {Load::kIdle}};
}

}  // namespace hermes::probe
