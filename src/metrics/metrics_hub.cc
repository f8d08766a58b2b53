// MetricsHub: the snapshot swap, atomic publication of runs, and exposition.
#include "metrics/metrics_hub.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cstring>

#include "common/mutex.h"
#include "metrics/families.h"
#include "metrics/process_metrics.h"

namespace hermes::metrics {

using internal::ProbeSeries;
using internal::Snapshot;

struct MetricsHub::Impl {
  explicit Impl(Clock& c) : clock(c), boot_time(ReadBootTime()) {}

  Clock& clock;
  const std::optional<double> boot_time;  // read once: constant while the host runs
  mutable Mutex mu;
  std::unique_ptr<Snapshot> snapshot HERMES_GUARDED_BY(mu);

  // The probe's series in the current snapshot, or nullptr.
  ProbeSeries* FindProbe(const std::string& name) HERMES_REQUIRES(mu) {
    if (!snapshot) return nullptr;
    auto it = snapshot->probes.find(name);
    return it == snapshot->probes.end() ? nullptr : &it->second;
  }
};

namespace {

template <size_t N>
int IndexOf(const char* const (&set)[N], std::string_view value) {
  for (size_t i = 0; i < N; ++i) {
    if (value == set[i]) return static_cast<int>(i);
  }
  return -1;
}

void Set(prometheus::Gauge* g, const std::optional<double>& v) {
  if (g != nullptr && v.has_value()) g->Set(*v);
}

void Add(prometheus::Counter* c, uint64_t v) {
  if (c != nullptr && v > 0) c->Increment(static_cast<double>(v));
}

void ObserveAll(prometheus::Histogram* h, const std::vector<double>& samples) {
  if (h == nullptr) return;
  for (double s : samples) h->Observe(s);
}

// Gauges that describe the last good run: written only when it succeeded.
void PublishLastGood(ProbeSeries& s, double finished, const probe::ProbeResult& r) {
  s.last_success->Set(finished);
  for (size_t i = 0; i < internal::kNumPhases; ++i) Set(s.phase[i], r.phase_seconds[i]);
  for (size_t i = 0; i < internal::kNumLoads; ++i) {
    Set(s.latency[i], r.latency[i].median_seconds);
    Set(s.jitter[i], r.latency[i].jitter_seconds);
  }
  for (size_t i = 0; i < internal::kNumDirections; ++i) {
    Set(s.throughput[i], r.throughput_bytes_per_second[i]);
  }
  Set(s.cert_expiry, r.tls_cert_expiry_unix_seconds);
}

// Orders families by name and series by labels so the exposition is stable
// (prometheus-cpp keeps series in a hash map).
void SortForExposition(std::vector<prometheus::MetricFamily>& families) {
  std::sort(families.begin(), families.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& f : families) {
    std::sort(f.metric.begin(), f.metric.end(),
              [](const auto& a, const auto& b) { return a.label < b.label; });
  }
}

}  // namespace

MetricsHub::MetricsHub(Clock& clock) : impl_(std::make_unique<Impl>(clock)) {}
MetricsHub::~MetricsHub() = default;

void MetricsHub::Apply(std::shared_ptr<const config::Config> config) {
  // Build outside the lock; only the carry-over and the swap are under it, so no
  // increment between the two is lost.
  std::unique_ptr<Snapshot> next = internal::BuildSnapshot(std::move(config));
  const double now = ToUnixSeconds(impl_->clock.WallNow());
  {
    MutexLock lock(impl_->mu);
    if (impl_->snapshot) {
      for (auto& [name, series] : next->probes) {
        if (const ProbeSeries* old = impl_->FindProbe(name)) {
          internal::CarryOverProbe(*old, series);
        }
      }
      internal::CarryOverGlobal(impl_->snapshot->global, next->global);
    }
    // A config that got this far was loaded successfully.
    next->global.reload_ok->Set(1);
    next->global.reload_timestamp->Set(now);
    impl_->snapshot.swap(next);
  }
  // `next` now holds the old snapshot; it is destroyed here, outside the lock.
}

void MetricsHub::PublishRun(const std::string& probe, WallTime started, Duration duration,
                            const probe::ProbeResult& result) {
  const double finished = ToUnixSeconds(started) + ToSeconds(duration);
  MutexLock lock(impl_->mu);
  ProbeSeries* s = impl_->FindProbe(probe);
  if (s == nullptr) return;  // removed by a reload while it ran
  s->runs->Increment();
  s->success->Set(result.success ? 1 : 0);
  s->duration->Observe(ToSeconds(duration));
  s->last_run->Set(finished);
  if (result.success) {
    PublishLastGood(*s, finished, result);
  } else {
    const auto reason = result.reason.value_or(probe::FailureReason::kUnknown);
    s->failures[static_cast<size_t>(reason)]->Increment();
  }
  // The last response and measured loss describe this run, failed or not.
  if (result.http_status_code) Set(s->http_status, static_cast<double>(*result.http_status_code));
  Set(s->loss_ratio, result.packet_loss_ratio);
  // What really happened: samples, packets and bytes.
  for (size_t i = 0; i < internal::kNumLoads; ++i) {
    ObserveAll(s->rtt[i], result.latency[i].samples_seconds);
  }
  for (size_t i = 0; i < internal::kNumDirections; ++i) {
    ObserveAll(s->throughput_samples[i], result.throughput_samples[i]);
    Add(s->transferred[i], result.transferred_bytes[i]);
  }
  Add(s->packets_sent, result.packets_sent);
  Add(s->packets_lost, result.packets_lost);
}

void MetricsHub::RecordSkip(const std::string& probe, std::string_view reason) {
  const int i = IndexOf(kSkipReasons, reason);
  if (i < 0) return;
  MutexLock lock(impl_->mu);
  if (ProbeSeries* s = impl_->FindProbe(probe)) s->skipped[i]->Increment();
}

void MetricsHub::ObserveStartLag(Duration lag) {
  // A run never starts before its plan; a negative lag is clock noise.
  const double seconds = std::max(0.0, ToSeconds(lag));
  MutexLock lock(impl_->mu);
  if (impl_->snapshot) impl_->snapshot->global.start_lag->Observe(seconds);
}

void MetricsHub::RecordReload(bool ok) {
  const double now = ToUnixSeconds(impl_->clock.WallNow());
  MutexLock lock(impl_->mu);
  if (!impl_->snapshot) return;
  impl_->snapshot->global.reload_ok->Set(ok ? 1 : 0);
  if (ok) impl_->snapshot->global.reload_timestamp->Set(now);
}

void MetricsHub::ObserveHttpRequest(std::string_view handler, int code, double seconds) {
  int h = IndexOf(kHttpHandlers, handler);
  if (h < 0) h = IndexOf(kHttpHandlers, "other");
  int c = IndexOf(kHttpCodes, std::to_string(code));
  if (c < 0) c = IndexOf(kHttpCodes, "other");
  MutexLock lock(impl_->mu);
  if (!impl_->snapshot) return;
  impl_->snapshot->global.requests[h][c]->Increment();
  impl_->snapshot->global.request_duration[h]->Observe(std::max(0.0, seconds));
}

void MetricsHub::RecordAuthFailure(std::string_view reason) {
  const int i = IndexOf(kAuthFailureReasons, reason);
  if (i < 0) return;
  MutexLock lock(impl_->mu);
  if (impl_->snapshot) impl_->snapshot->global.auth_failures[i]->Increment();
}

void MetricsHub::SetHttpConnections(int open) {
  MutexLock lock(impl_->mu);
  if (impl_->snapshot) impl_->snapshot->global.connections->Set(open);
}

void MetricsHub::RecordConnectionRejected(std::string_view reason) {
  const int i = IndexOf(kConnectionRejectReasons, reason);
  if (i < 0) return;
  MutexLock lock(impl_->mu);
  if (impl_->snapshot) impl_->snapshot->global.rejected[i]->Increment();
}

std::string MetricsHub::Render() {
  const ProcessStats process = ReadProcessStats(impl_->boot_time);  // I/O: before the lock
  std::vector<prometheus::MetricFamily> families;
  {
    MutexLock lock(impl_->mu);
    if (impl_->snapshot) families = impl_->snapshot->registry->Collect();
  }
  AppendProcessFamilies(process, families);
  SortForExposition(families);
  return prometheus::TextSerializer().Serialize(families);
}

int MetricsHub::SeriesCount() const {
  MutexLock lock(impl_->mu);
  return impl_->snapshot ? impl_->snapshot->series_count : 0;
}

}  // namespace hermes::metrics
