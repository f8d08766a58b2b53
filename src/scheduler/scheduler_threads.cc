// The scheduler's threads: the planning loop ("hermes-sched"), the light worker
// pool ("hermes-probe-N") and the bulk worker ("hermes-bulk"), plus one run.
#include <pthread.h>

#include <algorithm>
#include <exception>

#include "scheduler/scheduler_impl.h"

namespace hermes::scheduler {

namespace {
// Upper bound on one planning-loop sleep, so a wall-clock step (NTP, suspend) is
// noticed within a second even though deadlines are converted to steady time.
constexpr Duration kMaxSleep = std::chrono::seconds(1);

WallTime::duration W(Duration d) { return std::chrono::duration_cast<WallTime::duration>(d); }
}  // namespace

void SetThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

Duration Scheduler::Impl::ScrapeInterval() const {
  return config ? config->global.scrape_interval : Duration::zero();
}

std::shared_ptr<ProbeState> Scheduler::Impl::Find(const std::string& name) const {
  for (const auto& s : probes) {
    if (s->cfg->name == name) return s;
  }
  return nullptr;
}

WallTime Scheduler::Impl::PlanFor(const ProbeState& s, WallTime slot,
                                  const std::vector<Duration>& offsets) const {
  return PlanStart(slot, s.cfg->interval, ScrapeInterval(), offsets,
                   ExpectedDuration(s.durations, s.cfg->timeout));
}

WallTime Scheduler::Impl::CurrentPlan(const ProbeState& s, WallTime now,
                                      const std::vector<Duration>& offsets) const {
  return std::max(PlanFor(s, s.slot, offsets), std::min(s.planned, now));
}

void Scheduler::Impl::Arm(ProbeState& s, WallTime now, const std::vector<Duration>& offsets) {
  s.slot = SlotContaining(now, s.cfg->interval, s.phase);
  s.planned = PlanFor(s, s.slot, offsets);
  if (s.planned < now) {
    s.slot += W(s.cfg->interval);
    s.planned = PlanFor(s, s.slot, offsets);
  }
}

void Scheduler::Impl::HandleDue(const std::shared_ptr<ProbeState>& sp, WallTime now,
                                SteadyTime steady_now, const std::vector<Duration>& offsets,
                                std::vector<PendingSkip>& skips) {
  ProbeState& s = *sp;
  const WallTime slot = s.slot;
  const WallTime planned = s.planned;
  // After a stall longer than an interval (suspend, wall-clock step), resume at the
  // next slot instead of replaying every missed one.
  WallTime next = slot + W(s.cfg->interval);
  if (next < now) next = SlotAtOrAfter(now, s.cfg->interval, s.phase);
  s.slot = next;
  s.planned = PlanFor(s, next, offsets);

  if (s.in_flight) {
    skips.push_back({s.snapshot, s.cfg, SkipReason::kOverrun});
  } else if (s.paused_until && steady_now < *s.paused_until) {
    skips.push_back({s.snapshot, s.cfg, SkipReason::kRetryAfter});
  } else {
    Enqueue(sp, planned, slot, /*triggered=*/false);
  }
}

void Scheduler::Impl::Enqueue(const std::shared_ptr<ProbeState>& sp, WallTime planned,
                              WallTime slot, bool triggered) {
  ProbeState& s = *sp;
  Job job{sp,      s.snapshot,   s.cfg,    s.prober, std::make_shared<std::atomic<bool>>(false),
          planned, std::nullopt, triggered};
  s.in_flight = true;
  s.cancelled = job.cancelled;
  if (!s.bulk) {
    light_queue.push_back(std::move(job));
    light_cv.notify_one();
    return;
  }
  // Only a run that has to wait behind another bulk run gets a give-up time;
  // triggered runs wait as long as it takes (they were asked for explicitly).
  if (!triggered && (bulk_running || !bulk_queue.empty())) {
    job.give_up =
        BulkGiveUp(planned, slot, s.cfg->interval, ExpectedDuration(s.durations, s.cfg->timeout));
  }
  bulk_queue.push_back(std::move(job));
  bulk_cv.notify_one();
}

void Scheduler::Impl::Retire(ProbeState& s) {
  s.removed = true;
  if (s.cancelled) s.cancelled->store(true);
}

std::deque<Job> Scheduler::Impl::DropRetiredJobs() {
  std::deque<Job> dropped;
  for (auto* q : {&light_queue, &bulk_queue}) {
    std::deque<Job> keep;
    for (auto& j : *q) {
      if (j.state->removed) {
        j.state->in_flight = false;
        dropped.push_back(std::move(j));
      } else {
        keep.push_back(std::move(j));
      }
    }
    q->swap(keep);
  }
  return dropped;
}

void Scheduler::Impl::Report(const std::vector<PendingSkip>& skips) {
  for (const auto& skip : skips) sink.OnSkip(*skip.cfg, skip.reason);
}

void Scheduler::Impl::SchedLoop() {
  SetThreadName("hermes-sched");
  MutexLock l(mu);
  while (!stopping) {
    const WallTime now = clock.WallNow();
    const SteadyTime steady_now = clock.SteadyNow();
    const std::vector<Duration> offsets = scrapes.Offsets(now, ScrapeInterval());
    std::vector<PendingSkip> skips;
    std::optional<WallTime> wake;

    for (auto it = bulk_queue.begin(); it != bulk_queue.end();) {
      if (it->give_up && now > *it->give_up) {
        it->state->in_flight = false;
        if (!it->state->removed) {
          skips.push_back({it->snapshot, it->cfg, SkipReason::kBandwidthBusy});
        }
        it = bulk_queue.erase(it);
        continue;
      }
      if (it->give_up) {
        const WallTime t = *it->give_up + std::chrono::milliseconds(1);
        wake = wake ? std::min(*wake, t) : t;
      }
      ++it;
    }
    for (const auto& s : probes) {
      // The wall clock stepped back by more than an interval: re-arm on the grid
      // rather than wait for the old slot to come round again.
      if (s->slot > now + W(s->cfg->interval)) Arm(*s, now, offsets);
      s->planned = CurrentPlan(*s, now, offsets);
      if (s->planned <= now) HandleDue(s, now, steady_now, offsets, skips);
      wake = wake ? std::min(*wake, s->planned) : s->planned;
    }
    if (!skips.empty()) {
      l.Unlock();
      Report(skips);
      l.Lock();
      continue;
    }
    Duration sleep = kMaxSleep;
    if (wake) sleep = std::clamp<Duration>(*wake - now, Duration::zero(), kMaxSleep);
    clock.WaitUntil(l, sched_cv, steady_now + sleep);
  }
}

void Scheduler::Impl::LightWorker(int index) {
  SetThreadName("hermes-probe-" + std::to_string(index));
  MutexLock l(mu);
  for (;;) {
    while (!stopping && light_queue.empty()) l.Wait(light_cv);
    if (stopping) return;
    Job job = std::move(light_queue.front());
    light_queue.pop_front();
    job.state->running = true;
    l.Unlock();
    Execute(std::move(job));
    l.Lock();
  }
}

void Scheduler::Impl::BulkWorker() {
  SetThreadName("hermes-bulk");
  MutexLock l(mu);
  for (;;) {
    while (!stopping && bulk_queue.empty()) l.Wait(bulk_cv);
    if (stopping) return;
    Job job = std::move(bulk_queue.front());
    bulk_queue.pop_front();
    const WallTime now = clock.WallNow();
    std::optional<SkipReason> skip;
    if (job.give_up && now > *job.give_up) {
      skip = SkipReason::kBandwidthBusy;
    } else if (ExceedsBudget(bytes.Sum(now), WorstCaseBytes(*job.cfg),
                             config ? config->global.monthly_data_budget : 0)) {
      skip = SkipReason::kBudget;
    }
    if (skip) {
      job.state->in_flight = false;
      const bool report = !job.state->removed;
      l.Unlock();
      if (report) sink.OnSkip(*job.cfg, *skip);
      l.Lock();
      continue;
    }
    bulk_running = true;
    job.state->running = true;
    l.Unlock();
    Execute(std::move(job));
    l.Lock();
    bulk_running = false;
    sched_cv.notify_one();  // queued bulk runs may now start; give-ups re-evaluated
  }
}

void Scheduler::Impl::Execute(Job job) {
  const SteadyTime start = clock.SteadyNow();
  const WallTime started = clock.WallNow();
  const Duration lag =
      job.triggered
          ? Duration::zero()
          : std::max(Duration::zero(), std::chrono::duration_cast<Duration>(started - job.planned));
  if (!job.triggered) sink.OnStartLag(lag);

  probe::ProbeContext ctx{*job.cfg, *job.snapshot, clock, start + job.cfg->timeout, *job.cancelled};
  probe::ProbeResult result;
  try {
    result = job.prober->Run(ctx);
  } catch (const std::exception& e) {
    // A probe must not throw; if one does, count it rather than kill the worker.
    result = probe::ProbeResult::Failure(probe::FailureReason::kUnknown,
                                         std::string("probe threw: ") + e.what());
  } catch (...) {
    result = probe::ProbeResult::Failure(probe::FailureReason::kUnknown, "probe threw");
  }
  const Duration duration = clock.SteadyNow() - start;

  bool report = false;
  {
    MutexLock l(mu);
    ProbeState& s = *job.state;
    s.in_flight = false;
    s.running = false;
    s.cancelled.reset();
    // Bytes count against the budget even for dropped runs: they really moved.
    bytes.Add(clock.WallNow(), result.transferred_bytes[0] + result.transferred_bytes[1]);
    report = !s.removed && !stopping;
    if (report) {
      s.durations.push_back(duration);
      while (s.durations.size() > kDurationHistory) s.durations.pop_front();
      s.last_run = started;
      s.last_duration = duration;
      s.last_success = result.success;
      s.last_reason = result.success ? std::string()
                                     : std::string(probe::FailureReasonName(
                                           result.reason.value_or(probe::FailureReason::kUnknown)));
      s.last_error = result.error;
      if (result.retry_after && *result.retry_after > Duration::zero()) {
        s.paused_until = clock.SteadyNow() + *result.retry_after;
      }
    }
    sched_cv.notify_one();
  }
  if (!report) return;
  RunRecord record{job.cfg->name, started, duration, lag, job.triggered, std::move(result)};
  sink.OnRunComplete(*job.cfg, record);
}

}  // namespace hermes::scheduler
