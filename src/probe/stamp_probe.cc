#include "probe/stamp_probe.h"

#include <atomic>
#include <string>
#include <utility>

#include "net/address.h"
#include "net/deadline.h"
#include "net/stamp_packet.h"
#include "probe/path.h"
#include "probe/stamp_session.h"

namespace hermes::probe {
namespace {

static_assert(config::kStampDefaultPort == net::stamp::kDefaultPort);
static_assert(config::kStampBasePacketBytes == net::stamp::kBasePacketBytes);
static_assert(config::kStampMaxPacketBytes == net::stamp::kMaxPacketBytes);

size_t Index(Load l) { return static_cast<size_t>(l); }
size_t Index(Direction d) { return static_cast<size_t>(d); }

class StampProbe final : public Probe {
 public:
  StampProbe(const config::StampConfig& cfg, net::HostPort target,
             std::unique_ptr<net::Resolver> resolver)
      : cfg_(cfg), target_(std::move(target)), resolver_(std::move(resolver)) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    const net::Deadline run{ctx.clock, ctx.deadline, ctx.cancelled};
    StampSessionOptions o;
    o.path = PathOf(ctx.config.path);
    ProbeResult failed;
    const auto chosen = ResolvePeer(*resolver_, target_.host, target_.port, o.path, run, &failed);
    if (!chosen) return failed;
    const net::SocketAddress& peer = *chosen;
    o.count = static_cast<uint32_t>(cfg_.count);
    o.interval = cfg_.packet_interval;
    o.packet_bytes = static_cast<size_t>(cfg_.packet_size);
    auto session = StampSession::Open(peer, o);
    if (!session.ok()) {
      return ProbeResult::Failure(FailureReason::kConnect, session.status().message());
    }
    const std::atomic<bool> never{false};
    const Status st =
        session->Run(ctx.clock, run, ctx.deadline, never, [](SteadyTime) { return 0; });
    const StampAnalysis a = AnalyzeStampSession(session->packets(), 1);
    const StampSegmentStats& s = a.segments.front();

    ProbeResult res;
    FillStampResult(s, res.packets[Index(Load::kIdle)], &res.latency[Index(Load::kIdle)]);
    res.transferred_bytes[Index(Direction::kUpload)] = session->bytes_sent();
    res.transferred_bytes[Index(Direction::kDownload)] = session->bytes_received();
    if (!st.ok()) {
      res.reason = FailureReason::kTimeout;
      res.error = st.message();
    } else if (!session->overrun().empty()) {
      res.reason = FailureReason::kProtocol;
      res.error = "STAMP reflector " + peer.ToString() + ": " + session->overrun();
    } else if (s.received == 0) {
      const std::string& err = session->last_error();
      res.reason = err.empty() ? FailureReason::kTimeout : FailureReason::kConnect;
      res.error =
          "no STAMP reply from " + peer.ToString() + " to " + std::to_string(s.sent) + " packets";
      if (!err.empty()) res.error += "; last: " + err;
    } else {
      res.success = true;
    }
    return res;
  }

 private:
  const config::StampConfig cfg_;
  const net::HostPort target_;
  const std::unique_ptr<net::Resolver> resolver_;
};

}  // namespace

void FillStampResult(const StampSegmentStats& s, PacketResult& p, LatencyResult* latency) {
  p.sent = s.sent;
  p.lost = s.lost;
  if (s.sent > 0) p.loss_ratio = static_cast<double>(s.lost) / static_cast<double>(s.sent);
  // STAMP's forward direction is hermes' upload, its backward direction the download.
  p.lost_one_way[Index(Direction::kUpload)] = s.lost_forward;
  p.lost_one_way[Index(Direction::kDownload)] = s.lost_backward;
  p.jitter_one_way_seconds[Index(Direction::kUpload)] = s.ipdv_forward_seconds;
  p.jitter_one_way_seconds[Index(Direction::kDownload)] = s.ipdv_backward_seconds;
  p.duplicated = s.duplicates;
  p.reordered = s.reordered;
  if (latency != nullptr) {
    latency->samples_seconds = s.rtt_seconds;
    latency->median_seconds = Median(s.rtt_seconds);
    latency->jitter_seconds = s.ipdv_seconds;
  }
}

Result<std::unique_ptr<Probe>> NewStampProbe(const config::StampConfig& cfg,
                                             std::unique_ptr<net::Resolver> resolver) {
  auto target = net::SplitHostPort(cfg.address, net::stamp::kDefaultPort);
  if (!target.ok()) return target.status().WithContext("address");
  return std::unique_ptr<Probe>(
      std::make_unique<StampProbe>(cfg, std::move(target).value(), std::move(resolver)));
}

Result<std::unique_ptr<Probe>> NewStampProbe(const config::StampConfig& cfg) {
  return NewStampProbe(cfg, net::NewSystemResolver());
}

ResultLayout StampLayout(const config::ProbeConfig&) {
  return {.loads = {Load::kIdle},
          .packets = {Load::kIdle},
          .stamp = {Load::kIdle},
          .transferred = {Direction::kDownload, Direction::kUpload}};
}

}  // namespace hermes::probe
