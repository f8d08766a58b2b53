// Test doubles for scheduler tests: a ProbeBoard that scripts and records fake
// probe runs (blocking, results, concurrency, deadlines, cancellation), a factory
// that builds fake probes on that board, a recording RunSink, and small
// config and FakeClock helpers. Header-only; every method is thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "config/speedtest_config.h"
#include "config/tcp_config.h"
#include "probe/kind.h"
#include "scheduler/scheduler.h"
#include "testing/probe_config.h"
#include "testing/testing.h"

namespace hermes::scheduler::testing {

using namespace std::chrono_literals;

using hermes::testing::Eventually;

// Returns once the scheduler has handled everything due at the clock's current time
// and gone back to waiting for a later one (FakeClock::IdleWaits), for negative
// checks: no sleep, no guess at how long a loaded machine needs.
inline void Settle(const FakeClock& clock) {
  const uint64_t before = clock.IdleWaits();
  ASSERT_TRUE(Eventually([&] { return clock.IdleWaits() > before; })) << "scheduler never idle";
}

inline void AdvanceTo(FakeClock& clock, WallTime t) {
  const auto d = t - clock.WallNow();
  ASSERT_GE(d.count(), 0) << "AdvanceTo into the past";
  clock.Advance(std::chrono::duration_cast<Duration>(d));
}

struct CallRecord {
  std::string name;
  WallTime wall;
  Duration deadline_after_start{};  // ctx.deadline - SteadyNow() at entry
};

class ProbeBoard {
  // Declared first: the accessors below deduce their return types from Get().
  template <typename F>
  void Set(F f) {
    std::lock_guard<std::mutex> l(mu_);
    f();
    cv_.notify_all();
  }
  template <typename F>
  auto Get(F f) const {
    std::lock_guard<std::mutex> l(mu_);
    return f();
  }

 public:
  void Block(const std::string& name) {
    Set([&] { blocked_.insert(name); });
  }
  void Unblock(const std::string& name) {
    Set([&] { blocked_.erase(name); });
  }
  void SetResult(const std::string& name, probe::ProbeResult r) {
    Set([&] { results_[name] = std::move(r); });
  }
  void FailCreate(const std::string& name) {
    Set([&] { fail_create_.insert(name); });
  }

  int Calls(const std::string& name) const {
    return Get([&] { return calls_count(name); });
  }
  int Running() const {
    return Get([&] { return running_; });
  }
  int MaxRunning() const {
    return Get([&] { return max_running_; });
  }
  int MaxBulkRunning() const {
    return Get([&] { return max_bulk_running_; });
  }
  int Cancelled(const std::string& name) const {
    return Get([&] { return cancelled_.count(name) ? cancelled_.at(name) : 0; });
  }
  int Created(const std::string& name) const {
    return Get([&] { return created_.count(name) ? created_.at(name) : 0; });
  }
  std::vector<CallRecord> CallLog() const {
    return Get([&] { return calls_; });
  }

  // Builds fake probes on this board, for every kind.
  probe::ProbeFactory Factory() {
    return [this](const config::ProbeConfig& cfg) -> Result<std::unique_ptr<probe::Probe>> {
      std::lock_guard<std::mutex> l(mu_);
      if (fail_create_.count(cfg.name)) return Status::Unavailable("fake factory failure");
      ++created_[cfg.name];
      return std::unique_ptr<probe::Probe>(new FakeProbe(this, cfg.name, cfg.kind->bulk));
    };
  }

 private:
  class FakeProbe : public probe::Probe {
   public:
    FakeProbe(ProbeBoard* b, std::string name, bool bulk)
        : board_(b), name_(std::move(name)), bulk_(bulk) {}
    probe::ProbeResult Run(const probe::ProbeContext& ctx) override {
      return board_->Run(name_, bulk_, ctx);
    }

   private:
    ProbeBoard* board_;
    std::string name_;
    bool bulk_;
  };

  probe::ProbeResult Run(const std::string& name, bool bulk, const probe::ProbeContext& ctx) {
    std::unique_lock<std::mutex> l(mu_);
    calls_.push_back({name, ctx.clock.WallNow(), ctx.deadline - ctx.clock.SteadyNow()});
    max_running_ = std::max(max_running_, ++running_);
    if (bulk) max_bulk_running_ = std::max(max_bulk_running_, ++bulk_running_);
    while (blocked_.count(name) && !ctx.cancelled.load()) cv_.wait_for(l, 2ms);
    if (ctx.cancelled.load()) ++cancelled_[name];
    --running_;
    if (bulk) --bulk_running_;
    auto it = results_.find(name);
    if (it != results_.end()) return it->second;
    probe::ProbeResult ok;
    ok.success = true;
    return ok;
  }

  int calls_count(const std::string& name) const {
    int n = 0;
    for (const auto& c : calls_) n += c.name == name;
    return n;
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> blocked_, fail_create_;
  std::map<std::string, probe::ProbeResult> results_;
  std::map<std::string, int> cancelled_, created_;
  std::vector<CallRecord> calls_;
  int running_ = 0, max_running_ = 0, bulk_running_ = 0, max_bulk_running_ = 0;
};

class RecordingSink : public RunSink {
 public:
  void OnRunComplete(const config::ProbeConfig& probe, const RunRecord& run) override {
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_EQ(probe.name, run.probe);
    runs_.push_back(run);
  }
  void OnSkip(const config::ProbeConfig& probe, SkipReason reason) override {
    std::lock_guard<std::mutex> l(mu_);
    skips_.emplace_back(probe.name, reason);
  }
  void OnStartLag(Duration lag) override {
    std::lock_guard<std::mutex> l(mu_);
    lags_.push_back(lag);
  }

  int Runs(const std::string& name) const {
    std::lock_guard<std::mutex> l(mu_);
    int n = 0;
    for (const auto& r : runs_) n += r.probe == name;
    return n;
  }
  int Skips(const std::string& name, SkipReason reason) const {
    std::lock_guard<std::mutex> l(mu_);
    int n = 0;
    for (const auto& [p, r] : skips_) n += p == name && r == reason;
    return n;
  }
  int AllSkips() const {
    std::lock_guard<std::mutex> l(mu_);
    return static_cast<int>(skips_.size());
  }
  std::vector<RunRecord> RunsOf(const std::string& name) const {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<RunRecord> out;
    for (const auto& r : runs_) {
      if (r.probe == name) out.push_back(r);
    }
    return out;
  }
  std::vector<Duration> Lags() const {
    std::lock_guard<std::mutex> l(mu_);
    return lags_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<RunRecord> runs_;
  std::vector<std::pair<std::string, SkipReason>> skips_;
  std::vector<Duration> lags_;
};

inline config::ProbeConfig Light(const std::string& name, Duration interval = 60s,
                                 Duration timeout = 5s) {
  config::TcpConfig tcp;
  tcp.address = "192.0.2.1:443";
  return hermes::testing::MakeProbeConfig(name, "tcp", tcp, interval, timeout);
}

inline config::ProbeConfig Bulk(const std::string& name, Duration interval = 60s,
                                Duration timeout = 30s) {
  config::SpeedtestConfig speed;
  speed.target.url = "https://speed.example";
  return hermes::testing::MakeProbeConfig(name, "speedtest", speed, interval, timeout);
}

inline std::shared_ptr<const config::Config> MakeConfig(std::vector<config::ProbeConfig> probes,
                                                        std::string instance = "node-a",
                                                        Duration scrape_interval = 15s,
                                                        uint64_t budget = 0) {
  auto c = std::make_shared<config::Config>();
  c->global.instance = std::move(instance);
  c->global.scrape_interval = scrape_interval;
  c->global.monthly_data_budget = budget;
  c->probes = std::move(probes);
  return c;
}

}  // namespace hermes::scheduler::testing
