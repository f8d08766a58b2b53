// Scheduler public API: lifecycle (Start/Reload/Stop), Trigger, ObserveScrape and
// Snapshot. The threads live in scheduler_threads.cc; the pure math in phase.cc
// and plan.cc.
#include "scheduler/scheduler.h"

#include <map>

#include "scheduler/config_equal.h"
#include "scheduler/scheduler_impl.h"

namespace hermes::scheduler {

namespace {

bool OffsetsMoved(const std::vector<Duration>& a, const std::vector<Duration>& b,
                  Duration tolerance) {
  if (a.size() != b.size()) return true;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] - b[i] > tolerance || b[i] - a[i] > tolerance) return true;
  }
  return false;
}

Status CheckTimes(const config::ProbeConfig& p) {
  if (p.interval <= Duration::zero() || p.timeout <= Duration::zero()) {
    return Status::Invalid("probes[name=" + p.name + "]: interval and timeout must be > 0");
  }
  return Status::Ok();
}

std::shared_ptr<ProbeState> NewState(const std::shared_ptr<const config::Config>& snapshot,
                                     const config::ProbeConfig& cfg,
                                     std::shared_ptr<probe::Probe> prober) {
  auto s = std::make_shared<ProbeState>();
  s->snapshot = snapshot;
  s->cfg = &cfg;
  s->prober = std::move(prober);
  s->bulk = cfg.kind->bulk;
  s->phase = StablePhase(snapshot->global.instance, cfg.name, cfg.interval);
  return s;
}

}  // namespace

Scheduler::Scheduler(Clock& clock, probe::ProbeFactory create, RunSink& sink, int light_workers)
    : impl_(std::make_unique<Impl>(clock, std::move(create), sink, light_workers)) {}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::Start(std::shared_ptr<const config::Config> config) {
  if (!config) return Status::Invalid("scheduler: no config");
  Impl& d = *impl_;
  MutexLock control(d.control_mu);
  {
    MutexLock l(d.mu);
    if (d.running) return Status::Internal("scheduler: already running");
  }
  std::vector<std::shared_ptr<probe::Probe>> probers;
  for (const auto& p : config->probes) {
    HERMES_RETURN_IF_ERROR(CheckTimes(p));
    auto prober = d.create(p);
    if (!prober.ok()) return prober.status().WithContext("probes[name=" + p.name + "]");
    probers.push_back(std::move(prober).value());
  }
  {
    MutexLock l(d.mu);
    d.config = config;
    d.probes.clear();
    const WallTime now = d.clock.WallNow();
    const auto offsets = d.scrapes.Offsets(now, d.ScrapeInterval());
    for (size_t i = 0; i < config->probes.size(); ++i) {
      auto s = NewState(config, config->probes[i], std::move(probers[i]));
      d.Arm(*s, now, offsets);
      d.probes.push_back(std::move(s));
    }
    d.running = true;
    d.stopping = false;
    d.bulk_running = false;
  }
  d.threads.emplace_back([&d] { d.SchedLoop(); });
  d.threads.emplace_back([&d] { d.BulkWorker(); });
  for (int i = 0; i < d.light_workers; ++i) {
    d.threads.emplace_back([&d, i] { d.LightWorker(i); });
  }
  return Status::Ok();
}

Status Scheduler::Reload(std::shared_ptr<const config::Config> config) {
  if (!config) return Status::Invalid("scheduler: no config");
  Impl& d = *impl_;
  MutexLock control(d.control_mu);
  std::vector<std::shared_ptr<ProbeState>> old;
  {
    MutexLock l(d.mu);
    if (!d.running) return Status::Unavailable("scheduler: not running");
    old = d.probes;
  }
  auto find_old = [&](const std::string& name) -> std::shared_ptr<ProbeState> {
    for (const auto& s : old) {
      if (s->cfg->name == name) return s;
    }
    return nullptr;
  };
  // Build every new prober before touching the running state, so a failing
  // factory leaves the old config running. `cfg` of a state changes only under
  // control_mu, which we hold, so reading it here without `mu` is safe.
  std::map<std::string, std::shared_ptr<probe::Probe>> created;
  for (const auto& p : config->probes) {
    HERMES_RETURN_IF_ERROR(CheckTimes(p));
    auto prev = find_old(p.name);
    if (prev && SameProbeConfig(*prev->cfg, p)) continue;
    auto prober = d.create(p);
    if (!prober.ok()) return prober.status().WithContext("probes[name=" + p.name + "]");
    created[p.name] = std::move(prober).value();
  }

  std::deque<Job> dropped;
  {
    MutexLock l(d.mu);
    const WallTime now = d.clock.WallNow();
    d.config = config;
    const auto offsets = d.scrapes.Offsets(now, d.ScrapeInterval());
    std::vector<std::shared_ptr<ProbeState>> next;
    for (const auto& p : config->probes) {
      auto prev = find_old(p.name);
      auto it = created.find(p.name);
      if (it == created.end() && prev) {
        prev->snapshot = config;
        prev->cfg = &p;
        const Duration phase = StablePhase(config->global.instance, p.name, p.interval);
        if (phase != prev->phase) {  // instance changed: move to the new grid
          prev->phase = phase;
          d.Arm(*prev, now, offsets);
        }
        next.push_back(prev);
        continue;
      }
      if (prev) d.Retire(*prev);
      auto s = NewState(config, p, std::move(it->second));
      d.Arm(*s, now, offsets);
      next.push_back(std::move(s));
    }
    for (const auto& s : old) {
      if (!config->FindProbe(s->cfg->name)) d.Retire(*s);
    }
    d.probes = std::move(next);
    dropped = d.DropRetiredJobs();
    d.sched_cv.notify_one();
  }
  return Status::Ok();  // `dropped` jobs (and their probers) are released unlocked
}

void Scheduler::Stop() {
  Impl& d = *impl_;
  MutexLock control(d.control_mu);
  std::deque<Job> dropped;
  {
    MutexLock l(d.mu);
    if (!d.running) return;
    d.stopping = true;
    for (const auto& s : d.probes) d.Retire(*s);
    dropped = d.DropRetiredJobs();
    d.sched_cv.notify_all();
    d.light_cv.notify_all();
    d.bulk_cv.notify_all();
  }
  for (auto& t : d.threads) t.join();
  d.threads.clear();
  MutexLock l(d.mu);
  d.running = false;
  d.stopping = false;
  d.bulk_running = false;
  d.probes.clear();
  d.config.reset();
}

bool Scheduler::Running() const {
  MutexLock l(impl_->mu);
  return impl_->running && !impl_->stopping;
}

std::optional<Duration> Scheduler::ObserveScrape(WallTime t, const std::string& client) {
  Impl& d = *impl_;
  MutexLock l(d.mu);
  d.scrapes.Observe(t);
  const Duration interval = d.ScrapeInterval();
  // The planning loop re-reads the offsets whenever it wakes, so only a scrape that
  // moves them by more than a plan's precision (1 % of the scrape interval, within
  // the 5 % margin) needs to wake it; waking it for every scrape would cost a context
  // switch per /metrics request.
  std::vector<Duration> offsets = d.scrapes.Offsets(t, interval);
  if (OffsetsMoved(d.observed_offsets, offsets, interval / 100)) {
    d.observed_offsets = std::move(offsets);
    d.sched_cv.notify_one();
  }
  if (interval <= Duration::zero()) return std::nullopt;
  return d.scrape_intervals.Observe(client, t, interval);
}

TriggerResult Scheduler::Trigger(const std::string& name) {
  Impl& d = *impl_;
  MutexLock l(d.mu);
  if (!d.running || d.stopping) return TriggerResult::kUnknownProbe;
  auto s = d.Find(name);
  if (!s) return TriggerResult::kUnknownProbe;
  if (s->in_flight) return TriggerResult::kAlreadyRunning;
  const SteadyTime now = d.clock.SteadyNow();
  if (s->last_trigger && now - *s->last_trigger < d.ScrapeInterval()) {
    return TriggerResult::kTooSoon;
  }
  if (s->paused_until && now < *s->paused_until) return TriggerResult::kTooSoon;
  s->last_trigger = now;
  const WallTime wall = d.clock.WallNow();
  d.Enqueue(s, wall, wall, /*triggered=*/true);
  return TriggerResult::kStarted;
}

std::vector<ProbeStatus> Scheduler::Snapshot() const {
  const Impl& d = *impl_;
  MutexLock l(d.mu);
  std::vector<ProbeStatus> out;
  const WallTime now = d.clock.WallNow();
  const auto offsets = d.scrapes.Offsets(now, d.ScrapeInterval());
  for (const auto& s : d.probes) {
    ProbeStatus st;
    st.name = s->cfg->name;
    st.running = s->in_flight;
    st.last_run = s->last_run;
    st.last_duration = s->last_duration;
    st.last_success = s->last_success;
    st.last_failure_reason = s->last_reason;
    st.last_error = s->last_error;
    st.next_run = d.CurrentPlan(*s, now, offsets);
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace hermes::scheduler
