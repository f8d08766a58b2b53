// LoadedStamp: a speedtest's `loaded_stamp` stream. One STAMP session
// (stamp_session.h) runs on its own thread ("hermes-stamp") for the whole run, so
// that loss and jitter of a real-time-like flow are measured idle and while each
// direction saturates the link, against the same reflector and over one session.
//
// The probe marks phases: packets sent while Measure(load) is in effect count under
// that load; packets sent at other times (a transfer's warm-up, between phases)
// count nowhere. Idle lasts at least config::kLoadedStampIdleWindow (WaitIdle()).
// Finish() stops sending, waits for the last replies (at least
// config::kStampFinalWait, never past the run's deadline) and fills, per load
// measured, result.packets[load] (sent, lost, loss ratio, loss by direction,
// one-way jitter, duplicates, reordering) and result.latency[load] (the STAMP
// RTTs, median, round-trip IPDV as jitter: they replace the HTTP pings', so idle
// and loaded latency come from one method), adds the stream's bytes to
// transferred_bytes and, when the reflector flooded the stream so that it ended
// early (StampSession::overrun()), says so in result.error (the run's detail).
//
// Thread-safety: all methods are called from the probe's thread; the stream's
// thread only reads the current phase under a mutex.
#pragma once

#include <condition_variable>
#include <memory>
#include <optional>
#include <thread>

#include "common/mutex.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "config/stamp_config.h"
#include "net/resolver.h"
#include "probe/probe.h"
#include "probe/stamp_session.h"

namespace hermes::probe {

class LoadedStamp {
 public:
  // Resolves cfg.address (the address the probe's path keys choose, as ResolvePeer)
  // and starts the stream in the idle phase. When it cannot, returns nullptr and
  // *failure is the run's result (timeout, dns or connect, naming loaded_stamp.address).
  // `ctx` must outlive the object.
  static std::unique_ptr<LoadedStamp> Start(const config::LoadedStampConfig& cfg,
                                            net::Resolver& resolver, const ProbeContext& ctx,
                                            ProbeResult* failure);
  ~LoadedStamp();  // stops and joins
  LoadedStamp(const LoadedStamp&) = delete;
  LoadedStamp& operator=(const LoadedStamp&) = delete;

  // Counts the packets sent from `from` on under `load`, or under none.
  void Measure(std::optional<Load> load, SteadyTime from) HERMES_EXCLUDES(mu_);
  // Blocks until the idle phase has lasted kLoadedStampIdleWindow (or the run ends).
  void WaitIdle() HERMES_EXCLUDES(mu_);
  // Stops, joins and fills `result` (see above).
  void Finish(ProbeResult& result);

  const net::SocketAddress& reflector() const { return session_.reflector(); }

 private:
  LoadedStamp(StampSession session, const ProbeContext& ctx);
  int SegmentAt(SteadyTime t) HERMES_EXCLUDES(mu_);
  void Join();

  StampSession session_;
  const ProbeContext& ctx_;
  const SteadyTime started_;
  std::atomic<bool> stop_{false};
  Mutex mu_;
  std::condition_variable idle_cv_;  // never notified: WaitIdle waits on the clock
  int segment_ HERMES_GUARDED_BY(mu_) = static_cast<int>(Load::kIdle);
  int next_segment_ HERMES_GUARDED_BY(mu_) = -1;  // from next_from_ on
  SteadyTime next_from_ HERMES_GUARDED_BY(mu_) = SteadyTime::max();
  std::thread thread_;
};

}  // namespace hermes::probe
