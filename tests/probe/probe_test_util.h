// Assertions shared by the packet-style probe tests (tcp, icmp).
#pragma once

#include <gtest/gtest.h>

#include "probe/probe.h"

namespace hermes::probe::testutil {

// A successful run in which all `n` samples were answered, each within 0.5 s.
inline void ExpectAllAnswered(const ProbeResult& r, size_t n) {
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.packets_sent, n);
  EXPECT_EQ(r.packets_lost, 0u);
  EXPECT_EQ(r.packet_loss_ratio, 0.0);
  const LatencyResult& idle = r.latency[static_cast<size_t>(Load::kIdle)];
  ASSERT_EQ(idle.samples_seconds.size(), n);
  for (double s : idle.samples_seconds) {
    EXPECT_GT(s, 0);
    EXPECT_LT(s, 0.5);
  }
  EXPECT_TRUE(idle.median_seconds && idle.jitter_seconds);
}

}  // namespace hermes::probe::testutil
