// Scheduler: runs each configured probe every `interval` at a stable, scrape-aligned
// phase of wall-clock time (SPEC section 5).
//
// - Phase: a stable hash of (global.instance, probe name) spreads runs over the
//   interval, so restarts keep the phase and many sidecars do not start together.
// - Phase lock: ObserveScrape() feeds /metrics arrival times; the scheduler learns
//   the scrape offset within scrape_interval and shifts each run so it is expected
//   to finish (recent durations) shortly before a scrape.
// - A probe never overlaps itself (skip, reason "overrun"); bulk probes
//   (config::IsBulk) never run concurrently (skip, "bandwidth_busy"); a Retry-After
//   pauses a probe ("retry_after"); a run that would push the last 30 days' bytes over
//   global.monthly_data_budget is skipped ("budget").
// - Light probes run on a bounded pool of worker threads; bulk probes on one
//   dedicated thread. Each run gets one deadline (start + timeout).
//
// Choices where SPEC section 5 is silent:
// - Phase lock (scheduler/phase.h, plan.h): with several scrapers (HA pair, one
//   cluster of arrival offsets each) a run aims at whichever scraper comes first
//   after slot + expected duration + margin; the others read it later in the same
//   scrape interval. A run never leaves its slot and never starts in the past.
// - A bulk run due while another bulk run holds the bandwidth waits until
//   min(plan + 10% of interval, next slot - expected duration), then is skipped
//   ("bandwidth_busy"). The budget is checked when a bulk run actually starts.
// - Trigger(): kAlreadyRunning when the probe itself is queued or running;
//   kTooSoon when triggered less than scrape_interval ago or paused by Retry-After.
//   A triggered bulk run queues behind a running bulk run without a grace limit
//   (it was asked for explicitly); it is still subject to the budget. Triggered
//   runs report start_lag 0 and no OnStartLag().
// - Runs cancelled by Stop() or by a Reload() that changed or removed their probe
//   are not reported (their bytes still count against the budget).
// - The light queue holds at most one entry per probe (a probe due while queued is
//   an overrun), so it is bounded by the config.
//
// Threads: "hermes-sched" (planning loop), "hermes-bulk", "hermes-probe-N".
// All waiting goes through the Clock, so tests drive it with FakeClock.
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/skip_reason.h"
#include "common/status.h"
#include "config/config.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::scheduler {

struct RunRecord {
  std::string probe;
  WallTime started;      // actual start
  Duration duration{};   // actual run time
  Duration start_lag{};  // actual - planned start (0 for triggered runs)
  bool triggered = false;
  probe::ProbeResult result;
};

// Receives what the scheduler observes; implemented by the app (-> metrics, logs).
// Called from scheduler/worker threads; must be thread-safe and quick.
class RunSink {
 public:
  virtual ~RunSink() = default;
  virtual void OnRunComplete(const config::ProbeConfig& probe, const RunRecord& run) = 0;
  virtual void OnSkip(const config::ProbeConfig& probe, SkipReason reason) = 0;
  virtual void OnStartLag(Duration lag) = 0;
};

struct ProbeStatus {
  std::string name;
  bool running = false;  // a run is queued or in progress
  std::optional<WallTime> last_run;
  Duration last_duration{};
  std::optional<bool> last_success;
  std::string last_failure_reason;  // SPEC reason name, "" on success
  std::string last_error;
  WallTime next_run;
};

enum class TriggerResult { kStarted, kAlreadyRunning, kUnknownProbe, kTooSoon };

class Scheduler {
 public:
  // `clock` and `sink` must outlive the scheduler; `create` builds the prober of a
  // probe (probe::CreateProbe in the exporter).
  Scheduler(Clock& clock, probe::ProbeFactory create, RunSink& sink, int light_workers = 4);
  ~Scheduler();

  // Creates probers for `config` (errors name the probe: "probes[name=x]: ...")
  // and starts the threads.
  Status Start(std::shared_ptr<const config::Config> config);
  // Swaps to a new config: probers are rebuilt; runs in flight for removed or
  // changed probes are cancelled; unchanged probes keep their history and phase.
  // On error the old config keeps running.
  Status Reload(std::shared_ptr<const config::Config> config);
  // Cancels runs in flight and joins all threads. Idempotent.
  void Stop();

  bool Running() const;
  // A /metrics request from address `client` arrived at `t` (feeds the phase lock).
  // Returns that scraper's steady interval when it is newly known to differ from
  // global.scrape_interval (ScrapeIntervalWatch), for the caller to log.
  std::optional<Duration> ObserveScrape(WallTime t, const std::string& client);
  // Runs `probe` now: at most once per scrape_interval per probe.
  TriggerResult Trigger(const std::string& probe);
  std::vector<ProbeStatus> Snapshot() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::scheduler
