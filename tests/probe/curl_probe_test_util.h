// Helpers shared by the curl-based probe tests: run a probe once with a real clock
// and a fresh deadline.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "common/clock.h"
#include "config/config.h"
#include "net/curl_easy.h"
#include "probe/probe.h"

namespace hermes::probe::testutil {

struct ProbeRun {
  ProbeResult result;
  double elapsed_seconds = 0;
};

inline ProbeRun RunOnce(Probe& probe, Duration timeout) {
  EXPECT_TRUE(net::CurlGlobalInit().ok());
  static const config::Config kGlobal;
  static const config::ProbeConfig cfg{.name = "test"};
  SystemClock clock;
  std::atomic<bool> cancelled{false};
  const SteadyTime start = clock.SteadyNow();
  ProbeContext ctx{cfg, kGlobal, clock, start + timeout, cancelled};
  ProbeRun run;
  run.result = probe.Run(ctx);
  run.elapsed_seconds = ToSeconds(clock.SteadyNow() - start);
  return run;
}

}  // namespace hermes::probe::testutil
