#include "probe/speedtest_rate.h"

namespace hermes::probe {
namespace {

double Rate(uint64_t bytes, Duration d) { return static_cast<double>(bytes) / ToSeconds(d); }

}  // namespace

ThroughputMeter::ThroughputMeter(SteadyTime start, Duration warmup)
    : start_(start), warmup_at_(start + warmup) {}

void ThroughputMeter::Observe(SteadyTime now, uint64_t total_bytes) {
  if (!warm_) {
    if (now < warmup_at_) return;
    warm_ = Point{now, total_bytes};
    last_sample_ = *warm_;
    return;
  }
  if (now - last_sample_.t < kSampleInterval) return;
  samples_.push_back(Rate(total_bytes - last_sample_.bytes, now - last_sample_.t));
  last_sample_ = Point{now, total_bytes};
}

ThroughputMeter::Result ThroughputMeter::Finish(SteadyTime end, uint64_t total_bytes) {
  Result r;
  // Nothing measurable after the warm-up (the transfer ended before it, or all of
  // max_bytes arrived during it): fall back to the whole transfer's rate rather than
  // publishing 0 for a run that moved data.
  if (!warm_ || end <= warm_->t || total_bytes == warm_->bytes) {
    if (end > start_ && total_bytes > 0) {
      r.bytes_per_second = Rate(total_bytes, end - start_);
      r.measured_bytes = total_bytes;
      r.measured_seconds = ToSeconds(end - start_);
    }
    return r;
  }
  if (end - last_sample_.t >= kSampleInterval / 2) {
    samples_.push_back(Rate(total_bytes - last_sample_.bytes, end - last_sample_.t));
  }
  r.samples_bytes_per_second = std::move(samples_);
  if (end > warm_->t) {
    r.measured_bytes = total_bytes - warm_->bytes;
    r.measured_seconds = ToSeconds(end - warm_->t);
    r.bytes_per_second = Rate(r.measured_bytes, end - warm_->t);
  }
  return r;
}

}  // namespace hermes::probe
