// ThroughputMeter: the speedtest's rate arithmetic, kept free of I/O so that it can
// be tested with synthetic byte timelines.
//
// The transfer engine calls Observe(now, total_bytes) whenever it wakes up (at
// least every 100 ms) with the running total of bytes moved in one direction, and
// Finish() once when the transfer stops. Definitions (README "throughput"):
//   warm-up instant  W = the first observation at or after start + warmup
//   end instant      E = the Finish() observation
//   throughput       = (bytes(E) - bytes(W)) / (E - W)          [bytes per second]
//   samples          = for consecutive observations a, b after W at least 100 ms
//                      apart (b the first at or after a + 100 ms):
//                      (bytes(b) - bytes(a)) / (b - a); a final window shorter than
//                      50 ms is dropped as too noisy to be a rate.
// Times are the engine's own steady clock readings, never libcurl's. If the
// transfer ended before the warm-up instant, or nothing moved after it (max_bytes
// reached early), throughput falls back to bytes / (E - start).
//
// Thread-compatible: one engine thread drives a meter.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"

namespace hermes::probe {

class ThroughputMeter {
 public:
  static constexpr Duration kSampleInterval = std::chrono::milliseconds(100);

  ThroughputMeter(SteadyTime start, Duration warmup);

  void Observe(SteadyTime now, uint64_t total_bytes);

  struct Result {
    std::optional<double> bytes_per_second;
    std::vector<double> samples_bytes_per_second;
    uint64_t measured_bytes = 0;  // bytes(E) - bytes(W)
    double measured_seconds = 0;  // E - W
  };
  Result Finish(SteadyTime end, uint64_t total_bytes);

  // True once the warm-up instant has been observed.
  bool warmed_up() const { return warm_.has_value(); }

 private:
  struct Point {
    SteadyTime t;
    uint64_t bytes;
  };
  SteadyTime start_;
  SteadyTime warmup_at_;
  std::optional<Point> warm_;
  Point last_sample_{};
  std::vector<double> samples_;
};

}  // namespace hermes::probe
