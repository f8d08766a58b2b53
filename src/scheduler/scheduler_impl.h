// Internal state of hermes::scheduler::Scheduler, shared by scheduler.cc (public
// API: Start/Reload/Stop/Trigger/Snapshot) and scheduler_threads.cc (the planning
// loop and the worker threads). Not part of the module's interface.
//
// Locking: one mutex `mu` guards Impl's state and every ProbeState (clang checks
// the former through the annotations; ProbeState's fields cannot name Impl's mutex,
// so functions that touch them are marked HERMES_REQUIRES(mu)); `control_mu`
// serializes Start/Reload/Stop (which create probers and join threads outside
// `mu`). Lock order: control_mu, then mu. Nothing blocks, runs a probe or calls
// the sink while holding `mu`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "scheduler/phase.h"
#include "scheduler/plan.h"
#include "scheduler/scheduler.h"

namespace hermes::scheduler {

// One configured probe. Owned via shared_ptr by the probe list and by its queued or
// running job, so a run outlives a Reload that drops the probe. All fields are
// guarded by Scheduler::Impl::mu.
struct ProbeState {
  std::shared_ptr<const config::Config> snapshot;  // keeps `cfg` alive
  const config::ProbeConfig* cfg = nullptr;
  std::shared_ptr<probe::Probe> prober;
  bool bulk = false;
  Duration phase{};

  WallTime slot;     // start of the next slot not yet handled
  WallTime planned;  // committed planned start for `slot`

  bool in_flight = false;                        // queued or running
  bool running = false;                          // inside Probe::Run
  std::shared_ptr<std::atomic<bool>> cancelled;  // of the in-flight run
  bool removed = false;                          // retired by Reload/Stop: results are dropped

  std::deque<Duration> durations;  // most recent last, at most kDurationHistory
  std::optional<WallTime> last_run;
  Duration last_duration{};
  std::optional<bool> last_success;
  std::string last_reason;
  std::string last_error;
  std::optional<SteadyTime> last_trigger;
  std::optional<SteadyTime> paused_until;  // Retry-After
};

// One run waiting for or holding a worker.
struct Job {
  std::shared_ptr<ProbeState> state;
  std::shared_ptr<const config::Config> snapshot;
  const config::ProbeConfig* cfg = nullptr;
  std::shared_ptr<probe::Probe> prober;
  std::shared_ptr<std::atomic<bool>> cancelled;
  WallTime planned;
  std::optional<WallTime> give_up;  // bulk run queued behind another: skip after this
  bool triggered = false;
};

// A skip decided under the lock, reported to the sink after releasing it.
struct PendingSkip {
  std::shared_ptr<const config::Config> snapshot;
  const config::ProbeConfig* cfg = nullptr;
  SkipReason reason;
};

struct Scheduler::Impl {
  Impl(Clock& c, probe::ProbeFactory f, RunSink& s, int workers)
      : clock(c), create(std::move(f)), sink(s), light_workers(workers < 1 ? 1 : workers) {}

  Clock& clock;
  const probe::ProbeFactory create;
  RunSink& sink;
  const int light_workers;

  Mutex control_mu HERMES_ACQUIRED_BEFORE(mu);
  std::vector<std::thread> threads HERMES_GUARDED_BY(control_mu);

  mutable Mutex mu;
  std::condition_variable sched_cv;  // planning loop: time, scrapes, completions
  std::condition_variable light_cv;  // light_queue non-empty or stopping
  std::condition_variable bulk_cv;   // bulk_queue non-empty or stopping
  bool running HERMES_GUARDED_BY(mu) = false;
  bool stopping HERMES_GUARDED_BY(mu) = false;
  bool bulk_running HERMES_GUARDED_BY(mu) = false;
  std::shared_ptr<const config::Config> config HERMES_GUARDED_BY(mu);
  std::vector<std::shared_ptr<ProbeState>> probes HERMES_GUARDED_BY(mu);  // config order
  std::deque<Job> light_queue HERMES_GUARDED_BY(mu);                      // <= one entry per probe
  std::deque<Job> bulk_queue HERMES_GUARDED_BY(mu);                       // <= one entry per probe
  ScrapeOffsetEstimator scrapes HERMES_GUARDED_BY(mu);
  std::vector<Duration> observed_offsets HERMES_GUARDED_BY(mu);  // at the last scrape
  ScrapeIntervalWatch scrape_intervals HERMES_GUARDED_BY(mu);
  ByteWindow bytes HERMES_GUARDED_BY(mu);

  // Helpers, called with `mu` held.
  Duration ScrapeInterval() const HERMES_REQUIRES(mu);
  std::shared_ptr<ProbeState> Find(const std::string& name) const HERMES_REQUIRES(mu);
  WallTime PlanFor(const ProbeState& s, WallTime slot, const std::vector<Duration>& offsets) const
      HERMES_REQUIRES(mu);
  // The plan for s.slot given what is known now; never moves a committed plan
  // that has already passed, and never plans in the past otherwise.
  WallTime CurrentPlan(const ProbeState& s, WallTime now,
                       const std::vector<Duration>& offsets) const HERMES_REQUIRES(mu);
  // Picks the first slot whose plan is not in the past.
  void Arm(ProbeState& s, WallTime now, const std::vector<Duration>& offsets) HERMES_REQUIRES(mu);
  void HandleDue(const std::shared_ptr<ProbeState>& s, WallTime now, SteadyTime steady_now,
                 const std::vector<Duration>& offsets, std::vector<PendingSkip>& skips)
      HERMES_REQUIRES(mu);
  void Enqueue(const std::shared_ptr<ProbeState>& s, WallTime planned, WallTime slot,
               bool triggered) HERMES_REQUIRES(mu);
  // Cancels s's in-flight run and marks it so its result is dropped.
  void Retire(ProbeState& s) HERMES_REQUIRES(mu);
  // Removes queued jobs of retired probes; returns them for destruction unlocked.
  std::deque<Job> DropRetiredJobs() HERMES_REQUIRES(mu);

  // Threads and the run itself (no lock held on entry).
  void SchedLoop() HERMES_EXCLUDES(mu);
  void LightWorker(int index) HERMES_EXCLUDES(mu);
  void BulkWorker() HERMES_EXCLUDES(mu);
  void Execute(Job job) HERMES_EXCLUDES(mu);
  void Report(const std::vector<PendingSkip>& skips) HERMES_EXCLUDES(mu);
};

// Names the calling thread (Linux limit: 15 characters).
void SetThreadName(const std::string& name);

}  // namespace hermes::scheduler
