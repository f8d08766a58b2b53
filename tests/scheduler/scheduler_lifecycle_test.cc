// Scheduler lifecycle driven by FakeClock: Start/Stop, restart phase stability,
// Trigger, Reload and Snapshot.
#include <gtest/gtest.h>

#include "scheduler/fakes.h"
#include "scheduler/phase.h"
#include "scheduler/scheduler.h"

namespace hermes::scheduler {
namespace {

using namespace std::chrono_literals;
using testing::AdvanceTo;
using testing::Bulk;
using testing::Eventually;
using testing::Light;
using testing::MakeConfig;
using testing::ProbeBoard;
using testing::RecordingSink;
using testing::Settle;

WallTime FirstSlot(const FakeClock& clock, const std::string& name, Duration interval) {
  return SlotAtOrAfter(clock.WallNow(), interval, StablePhase("node-a", name, interval));
}

struct Fixture {
  Fixture() : sched(clock, board.Factory(), sink) {}
  FakeClock clock;
  ProbeBoard board;
  RecordingSink sink;
  Scheduler sched;
};

TEST(SchedulerLifecycleTest, PhaseIsStableAcrossRestart) {
  auto cfg = MakeConfig({Light("a", 5min), Light("b", 5min)});
  auto next_runs = [&](WallTime start) {
    FakeClock clock(start);
    ProbeBoard board;
    RecordingSink sink;
    Scheduler sched(clock, board.Factory(), sink);
    EXPECT_TRUE(sched.Start(cfg).ok());
    auto snap = sched.Snapshot();
    return std::pair{WallMod(snap.at(0).next_run, 5min), WallMod(snap.at(1).next_run, 5min)};
  };
  const auto before = next_runs(WallTime(1'700'000'000s));
  const auto after = next_runs(WallTime(1'700'000'000s + 3h + 17s));  // "restart" later
  EXPECT_EQ(before, after);
  EXPECT_NE(before.first, before.second);
  EXPECT_EQ(before.first, StablePhase("node-a", "a", 5min));
}

TEST(SchedulerLifecycleTest, StartFailsWhenAFactoryFails) {
  Fixture f;
  f.board.FailCreate("b");
  const Status st = f.sched.Start(MakeConfig({Light("a"), Light("b")}));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("probes[name=b]"), std::string::npos) << st.message();
  EXPECT_FALSE(f.sched.Running());
}

TEST(SchedulerLifecycleTest, RunningBetweenStartAndStop) {
  Fixture f;
  EXPECT_FALSE(f.sched.Running());
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  EXPECT_TRUE(f.sched.Running());
  EXPECT_FALSE(f.sched.Start(MakeConfig({Light("a")})).ok());  // already running
  f.sched.Stop();
  EXPECT_FALSE(f.sched.Running());
  f.sched.Stop();  // idempotent
}

TEST(SchedulerLifecycleTest, StopCancelsInFlightRunAndReturnsPromptly) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a"), Bulk("speed")})).ok());
  f.board.Block("a");
  f.board.Block("speed");
  ASSERT_EQ(f.sched.Trigger("a"), TriggerResult::kStarted);
  ASSERT_EQ(f.sched.Trigger("speed"), TriggerResult::kStarted);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 2; }));

  const auto t0 = std::chrono::steady_clock::now();
  f.sched.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(f.board.Cancelled("a"), 1);
  EXPECT_EQ(f.board.Cancelled("speed"), 1);
  EXPECT_EQ(f.sink.Runs("a") + f.sink.Runs("speed"), 0);  // cancelled results are dropped
  EXPECT_FALSE(f.sched.Running());
}

TEST(SchedulerLifecycleTest, TriggerStates) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  EXPECT_EQ(f.sched.Trigger("nope"), TriggerResult::kUnknownProbe);

  f.board.Block("a");
  EXPECT_EQ(f.sched.Trigger("a"), TriggerResult::kStarted);
  EXPECT_EQ(f.sched.Trigger("a"), TriggerResult::kAlreadyRunning);
  f.board.Unblock("a");
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  const auto run = f.sink.RunsOf("a")[0];
  EXPECT_TRUE(run.triggered);
  EXPECT_EQ(run.start_lag, 0s);
  EXPECT_TRUE(f.sink.Lags().empty());  // start lag is for scheduled runs only

  f.clock.Advance(14s);
  EXPECT_EQ(f.sched.Trigger("a"), TriggerResult::kTooSoon);  // < scrape_interval
  f.clock.Advance(1s);
  EXPECT_EQ(f.sched.Trigger("a"), TriggerResult::kStarted);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 2; }));
}

TEST(SchedulerLifecycleTest, TriggeredBulkRunQueuesBehindARunningBulkProbe) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Bulk("speed_a"), Bulk("speed_b")})).ok());
  f.board.Block("speed_a");
  ASSERT_EQ(f.sched.Trigger("speed_a"), TriggerResult::kStarted);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 1; }));
  EXPECT_EQ(f.sched.Trigger("speed_b"), TriggerResult::kStarted);
  f.clock.Advance(20s);  // longer than any grace: triggered runs still wait
  Settle(f.clock);
  EXPECT_EQ(f.board.Calls("speed_b"), 0);
  f.board.Unblock("speed_a");
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("speed_b") == 1; }));
  EXPECT_EQ(f.board.MaxBulkRunning(), 1);
  // (A scheduled slot inside those 20 s may be skipped as an overrun; that is fine.)
  EXPECT_EQ(f.sink.Skips("speed_b", SkipReason::kBandwidthBusy), 0);
}

TEST(SchedulerLifecycleTest, SnapshotReportsLastRunAndNextRun) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  f.board.SetResult("a", probe::ProbeResult::Failure(probe::FailureReason::kConnect, "refused"));
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  auto snap = f.sched.Snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].name, "a");
  EXPECT_FALSE(snap[0].last_run.has_value());
  EXPECT_EQ(snap[0].next_run, first);

  AdvanceTo(f.clock, first);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  snap = f.sched.Snapshot();
  EXPECT_FALSE(snap[0].running);
  EXPECT_EQ(snap[0].last_run, first);
  EXPECT_EQ(snap[0].last_success, false);
  EXPECT_EQ(snap[0].last_failure_reason, "connect");
  EXPECT_EQ(snap[0].last_error, "refused");
  EXPECT_EQ(snap[0].next_run, first + 60s);
}

TEST(SchedulerLifecycleTest, ReloadKeepsUnchangedProbesAndCancelsChangedOnes) {
  Fixture f;
  WallTime last = std::max(FirstSlot(f.clock, "keep", 60s), FirstSlot(f.clock, "change", 60s));
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("keep"), Light("change")})).ok());
  f.board.Block("change");
  AdvanceTo(f.clock, last);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("keep") == 1 && f.board.Running() == 1; }));

  auto keep = Light("keep");
  keep.line = 99;  // moved in the file: still unchanged
  ASSERT_TRUE(f.sched.Reload(MakeConfig({keep, Light("change", 60s, 9s)})).ok());
  ASSERT_TRUE(Eventually([&] { return f.board.Cancelled("change") == 1; }));
  Settle(f.clock);
  EXPECT_EQ(f.sink.Runs("change"), 0);  // the cancelled run's result is dropped

  EXPECT_EQ(f.board.Created("keep"), 1);    // prober kept
  EXPECT_EQ(f.board.Created("change"), 2);  // prober rebuilt
  const auto snap = f.sched.Snapshot();
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_TRUE(snap[0].last_run.has_value());   // history kept
  EXPECT_FALSE(snap[1].last_run.has_value());  // fresh state
  EXPECT_EQ(WallMod(snap[0].next_run, 60s), StablePhase("node-a", "keep", 60s));
}

TEST(SchedulerLifecycleTest, ReloadKeepsAnUnchangedRunInFlight) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  f.board.Block("a");
  ASSERT_EQ(f.sched.Trigger("a"), TriggerResult::kStarted);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 1; }));
  ASSERT_TRUE(f.sched.Reload(MakeConfig({Light("a"), Light("b")})).ok());
  EXPECT_EQ(f.sched.Trigger("a"), TriggerResult::kAlreadyRunning);
  f.board.Unblock("a");
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  EXPECT_EQ(f.board.Cancelled("a"), 0);
}

TEST(SchedulerLifecycleTest, FailedReloadKeepsTheOldConfigRunning) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  f.board.FailCreate("b");
  const Status st = f.sched.Reload(MakeConfig({Light("a", 30s), Light("b")}));
  EXPECT_FALSE(st.ok());
  const auto snap = f.sched.Snapshot();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].name, "a");
  EXPECT_EQ(WallMod(snap[0].next_run, 60s), StablePhase("node-a", "a", 60s));
  EXPECT_TRUE(f.sched.Running());
}

TEST(SchedulerLifecycleTest, ReloadCancelsRemovedProbes) {
  Fixture f;
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a"), Light("gone")})).ok());
  f.board.Block("gone");
  ASSERT_EQ(f.sched.Trigger("gone"), TriggerResult::kStarted);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 1; }));
  ASSERT_TRUE(f.sched.Reload(MakeConfig({Light("a")})).ok());
  ASSERT_TRUE(Eventually([&] { return f.board.Cancelled("gone") == 1; }));
  Settle(f.clock);
  EXPECT_EQ(f.sink.Runs("gone"), 0);
  EXPECT_EQ(f.sched.Trigger("gone"), TriggerResult::kUnknownProbe);
  EXPECT_EQ(f.sched.Snapshot().size(), 1u);
}

}  // namespace
}  // namespace hermes::scheduler
