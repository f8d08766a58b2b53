// Threaded scheduler behaviour driven by FakeClock: timing, overrun, bulk
// exclusion, worker pool, Retry-After, budget. Lifecycle, trigger and reload are
// in scheduler_lifecycle_test.cc.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include "scheduler/fakes.h"
#include "scheduler/phase.h"
#include "scheduler/plan.h"

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

WallTime FirstSlot(const FakeClock& clock, const std::string& name, Duration interval,
                   const std::string& instance = "node-a") {
  return SlotAtOrAfter(clock.WallNow(), interval, StablePhase(instance, name, interval));
}

struct Fixture {
  explicit Fixture(int workers = 4) : sched(clock, board.Factory(), sink, workers) {}
  FakeClock clock;
  ProbeBoard board;
  RecordingSink sink;
  Scheduler sched;
};

TEST(SchedulerTest, RunsAtItsPhaseAndEveryInterval) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  AdvanceTo(f.clock, first - 1ms);
  Settle(f.clock);
  EXPECT_EQ(f.board.Calls("a"), 0);

  AdvanceTo(f.clock, first);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  AdvanceTo(f.clock, first + 60s);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 2; }));

  const auto runs = f.sink.RunsOf("a");
  EXPECT_EQ(runs[0].started, first);
  EXPECT_EQ(runs[1].started, first + 60s);
  EXPECT_EQ(WallMod(runs[0].started, 60s), StablePhase("node-a", "a", 60s));
  EXPECT_FALSE(runs[0].triggered);
  EXPECT_EQ(f.sink.AllSkips(), 0);
}

TEST(SchedulerTest, ReportsStartLag) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  AdvanceTo(f.clock, first + 3s);  // the scheduler wakes 3 s late
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  EXPECT_EQ(f.sink.RunsOf("a")[0].start_lag, 3s);
  ASSERT_EQ(f.sink.Lags().size(), 1u);
  EXPECT_EQ(f.sink.Lags()[0], 3s);
}

TEST(SchedulerTest, RunDeadlineIsStartPlusTimeout) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a", 60s, 7s)})).ok());
  AdvanceTo(f.clock, first);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  EXPECT_EQ(f.board.CallLog()[0].deadline_after_start, 7s);
}

TEST(SchedulerTest, SkipsRunThatWouldOverlap) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  f.board.Block("a");
  AdvanceTo(f.clock, first);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 1; }));
  AdvanceTo(f.clock, first + 60s);
  ASSERT_TRUE(Eventually([&] { return f.sink.Skips("a", SkipReason::kOverrun) == 1; }));
  EXPECT_EQ(f.board.Calls("a"), 1);
  f.board.Unblock("a");
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  EXPECT_EQ(f.sink.RunsOf("a")[0].duration, 60s);
  AdvanceTo(f.clock, first + 120s);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 2; }));
  EXPECT_EQ(f.sink.Skips("a", SkipReason::kOverrun), 1);
}

// Two bulk probes whose first slots differ; returns {earlier, later} names.
std::pair<std::string, std::string> OrderedBulkPair(const FakeClock& clock) {
  const WallTime a = FirstSlot(clock, "speed_a", 60s), b = FirstSlot(clock, "speed_b", 60s);
  EXPECT_NE(a, b);
  return a < b ? std::pair{"speed_a", "speed_b"} : std::pair{"speed_b", "speed_a"};
}

TEST(SchedulerTest, BulkProbeWaitsForAnotherBulkRunWithinGrace) {
  Fixture f;
  const auto [x, y] = OrderedBulkPair(f.clock);
  const WallTime y_first = FirstSlot(f.clock, y, 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Bulk("speed_a"), Bulk("speed_b")})).ok());
  f.board.Block(x);
  AdvanceTo(f.clock, FirstSlot(f.clock, x, 60s));
  ASSERT_TRUE(Eventually([&] { return f.board.Calls(x) == 1; }));
  AdvanceTo(f.clock, y_first);
  Settle(f.clock);
  EXPECT_EQ(f.board.Calls(y), 0);    // queued behind x
  AdvanceTo(f.clock, y_first + 4s);  // within the 6 s grace
  f.board.Unblock(x);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs(y) == 1; }));
  EXPECT_EQ(f.sink.RunsOf(y)[0].start_lag, 4s);
  EXPECT_EQ(f.board.MaxBulkRunning(), 1);
  EXPECT_EQ(f.sink.Skips(y, SkipReason::kBandwidthBusy), 0);
}

TEST(SchedulerTest, BulkProbeSkipsWhenBandwidthStaysBusy) {
  Fixture f;
  const auto [x, y] = OrderedBulkPair(f.clock);
  const WallTime y_first = FirstSlot(f.clock, y, 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Bulk("speed_a"), Bulk("speed_b")})).ok());
  f.board.Block(x);
  AdvanceTo(f.clock, FirstSlot(f.clock, x, 60s));
  ASSERT_TRUE(Eventually([&] { return f.board.Calls(x) == 1; }));
  AdvanceTo(f.clock, y_first);
  Settle(f.clock);
  AdvanceTo(f.clock, y_first + 6s + 10ms);  // past the grace, x still running
  ASSERT_TRUE(Eventually([&] { return f.sink.Skips(y, SkipReason::kBandwidthBusy) == 1; }));
  f.board.Unblock(x);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs(x) == 1; }));
  Settle(f.clock);
  EXPECT_EQ(f.board.Calls(y), 0);
  EXPECT_EQ(f.board.MaxBulkRunning(), 1);
}

TEST(SchedulerTest, LightProbesRunConcurrentlyUpToThePoolSize) {
  Fixture f(/*workers=*/2);
  WallTime last{};
  for (const char* n : {"l1", "l2", "l3"}) {
    last = std::max(last, FirstSlot(f.clock, n, 60s));
    f.board.Block(n);
  }
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("l1"), Light("l2"), Light("l3")})).ok());
  AdvanceTo(f.clock, last);
  ASSERT_TRUE(Eventually([&] { return f.board.Running() == 2; }));
  Settle(f.clock);
  EXPECT_EQ(f.board.Running(), 2);  // the third waits for a worker

  f.clock.Advance(2s);
  for (const char* n : {"l1", "l2", "l3"}) f.board.Unblock(n);
  ASSERT_TRUE(
      Eventually([&] { return f.sink.Runs("l1") + f.sink.Runs("l2") + f.sink.Runs("l3") == 3; }));
  EXPECT_EQ(f.board.MaxRunning(), 2);
  // The run that waited for a worker started 2 s after its plan: lag counted.
  int late = 0;
  for (const char* n : {"l1", "l2", "l3"}) {
    const auto r = f.sink.RunsOf(n).at(0);
    late += r.started == last + 2s && r.start_lag >= 2s;
  }
  EXPECT_EQ(late, 1);
}

TEST(SchedulerTest, RetryAfterPausesTheProbe) {
  Fixture f;
  const WallTime first = FirstSlot(f.clock, "a", 60s);
  probe::ProbeResult limited =
      probe::ProbeResult::Failure(probe::FailureReason::kRateLimited, "429");
  limited.retry_after = 150s;
  f.board.SetResult("a", limited);
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a")})).ok());
  AdvanceTo(f.clock, first);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  f.board.SetResult("a", probe::ProbeResult{.success = true});

  AdvanceTo(f.clock, first + 60s);
  ASSERT_TRUE(Eventually([&] { return f.sink.Skips("a", SkipReason::kRetryAfter) == 1; }));
  AdvanceTo(f.clock, first + 120s);
  ASSERT_TRUE(Eventually([&] { return f.sink.Skips("a", SkipReason::kRetryAfter) == 2; }));
  AdvanceTo(f.clock, first + 180s);  // pause ended at first + 150 s
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 2; }));
  EXPECT_EQ(f.sink.Skips("a", SkipReason::kRetryAfter), 2);
  EXPECT_EQ(f.board.Calls("a"), 2);
}

TEST(SchedulerTest, SkipsBulkRunThatWouldExceedTheBudget) {
  Fixture f;
  const auto speed = Bulk("speed");
  const uint64_t worst = speed.settings->MaxBytesPerRun();
  probe::ProbeResult moved{.success = true};
  moved.transferred_bytes = {300, 200};
  f.board.SetResult("speed", moved);
  const WallTime first = FirstSlot(f.clock, "speed", 60s);
  ASSERT_TRUE(f.sched.Start(MakeConfig({speed}, "node-a", 15s, /*budget=*/worst + 300)).ok());
  AdvanceTo(f.clock, first);  // 0 + worst <= budget: runs and moves 500
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("speed") == 1; }));
  AdvanceTo(f.clock, first + 60s);  // 500 + worst > budget
  ASSERT_TRUE(Eventually([&] { return f.sink.Skips("speed", SkipReason::kBudget) == 1; }));
  EXPECT_EQ(f.board.Calls("speed"), 1);
}

TEST(SchedulerTest, PhaseLockPlansTheRunToFinishBeforeAScrape) {
  Fixture f;
  // Scrapes arrived at offset 7 s of each 15 s cycle.
  const WallTime cycle = SlotContaining(f.clock.WallNow(), 15s, 0s);
  for (int k = 1; k <= 4; ++k) (void)f.sched.ObserveScrape(cycle - k * 15s + 7s, "10.0.0.1");
  ASSERT_TRUE(f.sched.Start(MakeConfig({Light("a", 60s, 10s)})).ok());

  const WallTime planned = f.sched.Snapshot().at(0).next_run;
  const Duration expected = 5s, margin = 750ms;  // timeout / 2; max(0.5 s, 5% of 15 s)
  EXPECT_EQ(WallMod(planned + expected + margin, 15s), 7s);
  const WallTime slot = SlotContaining(planned, 60s, StablePhase("node-a", "a", 60s));
  EXPECT_GE(planned, slot);
  EXPECT_LT(planned, slot + 15s);
  EXPECT_GE(planned, f.clock.WallNow());

  AdvanceTo(f.clock, planned);
  ASSERT_TRUE(Eventually([&] { return f.sink.Runs("a") == 1; }));
  EXPECT_EQ(f.sink.RunsOf("a")[0].started, planned);
  EXPECT_EQ(f.sink.RunsOf("a")[0].start_lag, 0s);
}

}  // namespace
}  // namespace hermes::scheduler
