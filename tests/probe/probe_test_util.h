// Assertions shared by the probe tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "net/resolver.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe::testutil {

// Resolves IP literals only, or fails every lookup with `fail`.
class FakeResolver final : public net::Resolver {
 public:
  explicit FakeResolver(Status fail = Status::Ok()) : fail_(std::move(fail)) {}
  Result<std::vector<net::SocketAddress>> Resolve(const std::string& host, uint16_t port,
                                                  const net::Deadline&) override {
    if (!fail_.ok()) return fail_;
    return std::vector<net::SocketAddress>{*net::SocketAddress::FromIp(host, port)};
  }

 private:
  Status fail_;
};

inline const PacketResult& IdlePackets(const ProbeResult& r) {
  return r.packets[static_cast<size_t>(Load::kIdle)];
}

// A successful run in which all `n` samples were answered, each within 0.5 s.
inline void ExpectAllAnswered(const ProbeResult& r, size_t n) {
  ASSERT_TRUE(r.success) << r.error;
  const PacketResult& p = r.packets[static_cast<size_t>(Load::kIdle)];
  EXPECT_EQ(p.sent, n);
  EXPECT_EQ(p.lost, 0u);
  EXPECT_EQ(p.loss_ratio, 0.0);
  const LatencyResult& idle = r.latency[static_cast<size_t>(Load::kIdle)];
  ASSERT_EQ(idle.samples_seconds.size(), n);
  for (double s : idle.samples_seconds) {
    EXPECT_GT(s, 0);
    EXPECT_LT(s, 0.5);
  }
  EXPECT_TRUE(idle.median_seconds && idle.jitter_seconds);
}

template <typename T>
bool Declared(const std::vector<T>& list, T v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// The layout is the contract (kind.h): a successful run fills exactly the fields
// its kind's layout declares, so that metrics neither drops a measurement nor
// exports a series nobody fills. Transferred bytes may stay 0 where declared (an
// empty body moves nothing), and the certificate expiry needs TLS. (A run that is
// meant to show this answers at least two consecutive STAMP packets.)
inline void ExpectFillsExactlyItsLayout(const ProbeResult& r, const ResultLayout& l) {
  ASSERT_TRUE(r.success) << r.error;
  for (Phase p : kAllPhases) {
    EXPECT_EQ(r.phase_seconds[static_cast<size_t>(p)].has_value(), Declared(l.phases, p))
        << "phase " << PhaseName(p);
  }
  for (Load load : kAllLoads) {
    EXPECT_EQ(!r.latency[static_cast<size_t>(load)].samples_seconds.empty(),
              Declared(l.loads, load))
        << "latency " << LoadName(load);
  }
  for (Load load : kAllLoads) {
    const PacketResult& p = r.packets[static_cast<size_t>(load)];
    EXPECT_EQ(p.sent > 0, Declared(l.packets, load)) << "packets " << LoadName(load);
    EXPECT_EQ(p.loss_ratio.has_value(), Declared(l.packets, load))
        << "loss ratio " << LoadName(load);
    // STAMP's counters may stay 0 where declared (nothing lost, duplicated, reordered).
    for (Direction d : kAllDirections) {
      EXPECT_EQ(p.jitter_one_way_seconds[static_cast<size_t>(d)].has_value(),
                Declared(l.stamp, load))
          << "one-way jitter " << LoadName(load) << " " << DirectionName(d);
    }
    if (p.lost_one_way[0] + p.lost_one_way[1] + p.duplicated + p.reordered > 0) {
      EXPECT_TRUE(Declared(l.stamp, load)) << "stamp counters " << LoadName(load);
    }
  }
  for (Direction d : kAllDirections) {
    const auto i = static_cast<size_t>(d);
    EXPECT_EQ(r.throughput_bytes_per_second[i].has_value(), Declared(l.throughput, d))
        << "throughput " << DirectionName(d);
    EXPECT_EQ(!r.throughput_samples[i].empty(), Declared(l.throughput, d))
        << "throughput samples " << DirectionName(d);
    if (r.transferred_bytes[i] > 0) {
      EXPECT_TRUE(Declared(l.transferred, d)) << "transferred " << DirectionName(d);
    }
  }
  EXPECT_EQ(r.http_status_code.has_value(), l.http) << "http status";
  if (r.tls_cert_expiry_unix_seconds) {
    EXPECT_TRUE(l.http) << "certificate expiry";
  }
}

}  // namespace hermes::probe::testutil
