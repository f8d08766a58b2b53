#include "probe/speedtest_stamp.h"

#include <pthread.h>

#include <string>

#include "net/deadline.h"
#include "probe/path.h"
#include "probe/stamp_probe.h"

namespace hermes::probe {

std::unique_ptr<LoadedStamp> LoadedStamp::Start(const config::LoadedStampConfig& cfg,
                                                net::Resolver& resolver, const ProbeContext& ctx,
                                                ProbeResult* failure) {
  const auto fail = [&](FailureReason reason, const std::string& message) {
    *failure = ProbeResult::Failure(reason, "loaded_stamp.address: " + message);
    return nullptr;
  };
  const net::Deadline run{ctx.clock, ctx.deadline, ctx.cancelled};
  auto target = net::SplitHostPort(cfg.address, config::kStampDefaultPort);
  if (!target.ok()) return fail(FailureReason::kDns, target.status().message());
  StampSessionOptions o;
  o.interval = cfg.interval;
  o.count = cfg.max_packets;
  o.path = PathOf(ctx.config.path);  // the speedtest probe's path keys
  const auto peer = ResolvePeer(resolver, target->host, target->port, o.path, run, failure);
  if (!peer) {
    failure->error.insert(0, "loaded_stamp.address: ");
    return nullptr;
  }
  auto session = StampSession::Open(*peer, o);
  if (!session.ok()) return fail(FailureReason::kConnect, session.status().message());
  std::unique_ptr<LoadedStamp> s(new LoadedStamp(std::move(session).value(), ctx));
  s->thread_ = std::thread([p = s.get()] {
    pthread_setname_np(pthread_self(), "hermes-stamp");
    const net::Deadline d{p->ctx_.clock, p->ctx_.deadline, p->ctx_.cancelled};
    // A cancelled run leaves what was measured; the probe reports the cancellation.
    (void)p->session_.Run(p->ctx_.clock, d, p->ctx_.deadline, p->stop_,
                          [p](SteadyTime t) { return p->SegmentAt(t); });
  });
  return s;
}

LoadedStamp::LoadedStamp(StampSession session, const ProbeContext& ctx)
    : session_(std::move(session)), ctx_(ctx), started_(ctx.clock.SteadyNow()) {}

LoadedStamp::~LoadedStamp() { Join(); }

void LoadedStamp::Join() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

int LoadedStamp::SegmentAt(SteadyTime t) {
  MutexLock l(mu_);
  if (t >= next_from_) {
    segment_ = next_segment_;
    next_from_ = SteadyTime::max();
  }
  return segment_;
}

void LoadedStamp::Measure(std::optional<Load> load, SteadyTime from) {
  MutexLock l(mu_);
  segment_ = -1;  // until `from`
  next_segment_ = load ? static_cast<int>(*load) : -1;
  next_from_ = from;
}

void LoadedStamp::WaitIdle() {
  const SteadyTime until = std::min(started_ + config::kLoadedStampIdleWindow, ctx_.deadline);
  MutexLock l(mu_);
  // In slices, so that a cancelled run does not wait out the window.
  while (!ctx_.cancelled.load() && ctx_.clock.SteadyNow() < until) {
    ctx_.clock.WaitUntil(l, idle_cv_, std::min(until, ctx_.clock.SteadyNow() + net::kPollSlice));
  }
}

void LoadedStamp::Finish(ProbeResult& result) {
  Join();
  const StampAnalysis a =
      AnalyzeStampSession(session_.packets(), static_cast<int>(kAllLoads.size()));
  for (size_t i = 0; i < kAllLoads.size(); ++i) {
    if (a.segments[i].sent == 0) continue;
    // STAMP's RTTs replace the HTTP pings' (idle) ones, once there are any: a reflector
    // that never answers shows as loss, and leaves the pings' latency standing.
    const bool answered = a.segments[i].received > 0;
    if (answered) result.latency[i] = LatencyResult{};
    FillStampResult(a.segments[i], result.packets[i], answered ? &result.latency[i] : nullptr);
  }
  result.transferred_bytes[static_cast<size_t>(Direction::kUpload)] += session_.bytes_sent();
  result.transferred_bytes[static_cast<size_t>(Direction::kDownload)] += session_.bytes_received();
  // A flooding reflector ended the stream early: the loads after it have no packets.
  if (!session_.overrun().empty()) {
    result.error += (result.error.empty() ? "" : "; ") + std::string("loaded_stamp ") +
                    session_.reflector().ToString() + ": " + session_.overrun();
  }
}

}  // namespace hermes::probe
