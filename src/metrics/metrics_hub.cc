// MetricsHub: the series swap, atomic publication of runs, the page cache and the
// per-scrape rendering.
#include "metrics/metrics_hub.h"

#include <algorithm>
#include <map>
#include <vector>

#include "common/gzip.h"
#include "common/mutex.h"
#include "metrics/families.h"
#include "metrics/page.h"
#include "metrics/process_metrics.h"
#include "metrics/render.h"

namespace hermes::metrics {

using internal::Chunks;
using internal::Family;
using internal::Page;
using internal::PageFormat;
using internal::ProbeSeries;
using internal::Series;
using internal::SeriesStore;
using internal::Source;

namespace {

struct ProbeState {
  std::unique_ptr<ProbeSeries> series;
  std::shared_ptr<const Chunks> chunks;
};

std::shared_ptr<const Chunks> RenderChunks(const SeriesStore& store, Source source) {
  auto chunks = std::make_shared<Chunks>();
  internal::RenderChunks(store, source, *chunks);
  return chunks;
}

void Set(Series* s, const std::optional<double>& v) {
  if (s != nullptr && v.has_value()) s->value = *v;
}

void Add(Series* s, uint64_t v) {
  if (s != nullptr) s->value += static_cast<double>(v);
}

void ObserveAll(Series* s, const std::vector<double>& samples) {
  if (s == nullptr) return;
  for (double v : samples) s->histogram->Observe(v);
}

// Gauges that describe the last good run: written only when it succeeded.
void PublishLastGood(ProbeSeries& s, double finished, const probe::ProbeResult& r) {
  s.last_success->value = finished;
  for (size_t i = 0; i < internal::kNumPhases; ++i) Set(s.phase[i], r.phase_seconds[i]);
  for (size_t i = 0; i < internal::kNumLoads; ++i) {
    Set(s.latency[i], r.latency[i].median_seconds);
    Set(s.jitter[i], r.latency[i].jitter_seconds);
    for (size_t d = 0; d < internal::kNumDirections; ++d) {
      Set(s.jitter_one_way[i][d], r.packets[i].jitter_one_way_seconds[d]);
    }
  }
  for (size_t i = 0; i < internal::kNumDirections; ++i) {
    Set(s.throughput[i], r.throughput_bytes_per_second[i]);
  }
  Set(s.cert_expiry, r.tls_cert_expiry_unix_seconds);
  for (size_t d = 0; d < internal::kNumDirections; ++d) {
    const probe::ResponsivenessResult& rr = r.responsiveness[d];
    for (size_t c = 0; c < internal::kNumRpmComponents; ++c) Set(s.rpm[d][c], rr.rpm[c]);
    if (rr.confidence) Set(s.rpm_confidence[d], static_cast<double>(*rr.confidence));
    for (size_t c = 0; c < internal::kNumRttComponents; ++c) {
      Set(s.rpm_component[d][c], rr.component_seconds[c]);
    }
  }
}

void AddProcessSeries(const ProcessStats& p, SeriesStore& store) {
  const std::pair<Family, const std::optional<double>*> values[] = {
      {Family::kProcessCpu, &p.cpu_seconds},
      {Family::kProcessMaxFds, &p.max_fds},
      {Family::kProcessOpenFds, &p.open_fds},
      {Family::kProcessResident, &p.resident_bytes},
      {Family::kProcessStartTime, &p.start_time_seconds},
      {Family::kProcessVirtual, &p.virtual_bytes}};
  for (const auto& [family, value] : values) {
    if (value->has_value()) store.Add(family, {})->value = **value;
  }
}

}  // namespace

struct MetricsHub::Impl {
  explicit Impl(Clock& c) : clock(c), listener(internal::BuildListenerSeries()) {}

  Clock& clock;
  ProcessReader process;

  // Probe and exporter series, their rendered chunks, and the change counter.
  mutable Mutex mu;
  std::map<std::string, ProbeState, std::less<>> probes HERMES_GUARDED_BY(mu);
  std::unique_ptr<internal::GlobalSeries> global HERMES_GUARDED_BY(mu);
  std::shared_ptr<const Chunks> global_chunks HERMES_GUARDED_BY(mu);
  int series_count HERMES_GUARDED_BY(mu) = 0;
  uint64_t generation HERMES_GUARDED_BY(mu) = 0;

  // The page of the latest change; built outside `mu`.
  Mutex page_mu;
  std::shared_ptr<const Page> page HERMES_GUARDED_BY(page_mu);
  uint64_t page_generation HERMES_GUARDED_BY(page_mu) = 0;

  // The listener's series live across reloads; rendered only after the first Apply.
  Mutex listener_mu;
  std::unique_ptr<internal::ListenerSeries> listener HERMES_GUARDED_BY(listener_mu);
  bool applied HERMES_GUARDED_BY(listener_mu) = false;

  // The probe's state, or nullptr.
  ProbeState* FindProbe(std::string_view name) HERMES_REQUIRES(mu) {
    auto it = probes.find(name);
    return it == probes.end() ? nullptr : &it->second;
  }

  // What a page is built from: the chunks of one moment, and which change it was.
  struct PageInputs {
    std::vector<std::shared_ptr<const Chunks>> owners;
    uint64_t generation = 0;
  };

  // Ends a change: numbers it and snapshots the chunks (cheap pointer copies).
  PageInputs EndChange() HERMES_REQUIRES(mu) {
    PageInputs in;
    in.owners.reserve(probes.size() + 1);
    in.owners.push_back(global_chunks);
    for (const auto& [name, state] : probes) in.owners.push_back(state.chunks);
    in.generation = ++generation;
    return in;
  }

  // Builds the page outside `mu` and installs it unless a later change got there
  // first.
  void Install(PageInputs in) HERMES_EXCLUDES(mu) {
    auto next = std::make_shared<const Page>(std::move(in.owners));
    MutexLock lock(page_mu);
    if (in.generation > page_generation) {
      page.swap(next);
      page_generation = in.generation;
    }
    // `next` (the replaced page, or the one that lost) is freed after the unlock.
  }

  std::shared_ptr<const Page> CurrentPage() HERMES_EXCLUDES(page_mu) {
    MutexLock lock(page_mu);
    return page;
  }

  // The families of one per-scrape slot.
  void RenderSlot(Source source, const ProcessStats& process, PageFormat format, std::string& out)
      HERMES_EXCLUDES(listener_mu) {
    if (source == Source::kListener) {
      MutexLock lock(listener_mu);
      if (applied) RenderFamilies(listener->store, source, format, out);
      return;
    }
    SeriesStore store;
    AddProcessSeries(process, store);
    RenderFamilies(store, source, format, out);
  }

  static void RenderFamilies(const SeriesStore& store, Source source, PageFormat format,
                             std::string& out) {
    for (size_t i = 0; i < internal::kNumFamilies; ++i) {
      if (internal::kFamilies[i].source != source) continue;
      if (format == PageFormat::kText) {
        internal::AppendTextFamily(static_cast<Family>(i), store, out);
      } else {
        internal::AppendProtoFamily(static_cast<Family>(i), store, out);
      }
    }
  }
};

MetricsHub::MetricsHub(Clock& clock) : impl_(std::make_unique<Impl>(clock)) {}
MetricsHub::~MetricsHub() = default;

void MetricsHub::Apply(std::shared_ptr<const config::Config> config) {
  // Build outside the lock; only the carry-over and the swap are under it, so no
  // increment between the two is lost.
  const internal::ConfigBuckets buckets(*config);
  std::map<std::string, ProbeState, std::less<>> next;
  for (const auto& p : config->probes) {
    next[p.name].series = internal::BuildProbeSeries(p, buckets);
  }
  auto global = internal::BuildGlobalSeries(*config);
  // A config that got this far was loaded successfully.
  global->reload_ok->value = 1;
  global->reload_timestamp->value = ToUnixSeconds(impl_->clock.WallNow());
  MutexLock lock(impl_->mu);
  for (auto& [name, state] : next) {
    if (const ProbeState* old = impl_->FindProbe(name)) {
      internal::CarryOverProbe(*old->series, *state.series);
    }
    state.chunks = RenderChunks(state.series->store, Source::kProbe);
  }
  if (impl_->global) internal::CarryOverGlobal(*impl_->global, *global);
  impl_->global_chunks = RenderChunks(global->store, Source::kGlobal);
  impl_->probes.swap(next);
  impl_->global.swap(global);
  impl_->series_count = CountSeries(*config);
  Impl::PageInputs inputs = impl_->EndChange();
  lock.Unlock();
  impl_->Install(std::move(inputs));
  {
    MutexLock listener_lock(impl_->listener_mu);
    impl_->applied = true;
  }
  // `next` and `global` now hold the old series; they are freed here, outside the lock.
}

void MetricsHub::PublishRun(const std::string& probe, WallTime started, Duration duration,
                            const probe::ProbeResult& result) {
  const double finished = ToUnixSeconds(started) + ToSeconds(duration);
  MutexLock lock(impl_->mu);
  ProbeState* state = impl_->FindProbe(probe);
  if (state == nullptr) return;  // removed by a reload while it ran
  ProbeSeries& s = *state->series;
  s.runs->value += 1;
  s.success->value = result.success ? 1 : 0;
  s.duration->histogram->Observe(ToSeconds(duration));
  s.last_run->value = finished;
  if (result.success) {
    PublishLastGood(s, finished, result);
  } else {
    const auto reason = result.reason.value_or(probe::FailureReason::kUnknown);
    s.failures[static_cast<size_t>(reason)]->value += 1;
  }
  // The last response and measured loss describe this run, failed or not.
  if (result.http_status_code) {
    Set(s.http_status, static_cast<double>(*result.http_status_code));
  }
  // What really happened: samples, packets and bytes.
  for (size_t i = 0; i < internal::kNumLoads; ++i) {
    ObserveAll(s.rtt[i], result.latency[i].samples_seconds);
    const probe::PacketResult& p = result.packets[i];
    Set(s.loss_ratio[i], p.loss_ratio);
    Add(s.packets_sent[i], p.sent);
    Add(s.packets_lost[i], p.lost);
    for (size_t d = 0; d < internal::kNumDirections; ++d) {
      Add(s.lost_one_way[i][d], p.lost_one_way[d]);
    }
    Add(s.duplicated[i], p.duplicated);
    Add(s.reordered[i], p.reordered);
  }
  for (size_t i = 0; i < internal::kNumDirections; ++i) {
    ObserveAll(s.throughput_samples[i], result.throughput_samples[i]);
    Add(s.transferred[i], result.transferred_bytes[i]);
  }
  state->chunks = RenderChunks(s.store, Source::kProbe);
  Impl::PageInputs inputs = impl_->EndChange();
  lock.Unlock();
  impl_->Install(std::move(inputs));
}

void MetricsHub::RecordSkip(const std::string& probe, SkipReason reason) {
  MutexLock lock(impl_->mu);
  ProbeState* state = impl_->FindProbe(probe);
  if (state == nullptr) return;
  state->series->skipped[static_cast<size_t>(reason)]->value += 1;
  state->chunks = RenderChunks(state->series->store, Source::kProbe);
  Impl::PageInputs inputs = impl_->EndChange();
  lock.Unlock();
  impl_->Install(std::move(inputs));
}

void MetricsHub::ObserveStartLag(Duration lag) {
  // A run never starts before its plan; a negative lag is clock noise.
  const double seconds = std::max(0.0, ToSeconds(lag));
  MutexLock lock(impl_->mu);
  if (!impl_->global) return;
  impl_->global->start_lag->histogram->Observe(seconds);
  impl_->global_chunks = RenderChunks(impl_->global->store, Source::kGlobal);
  Impl::PageInputs inputs = impl_->EndChange();
  lock.Unlock();
  impl_->Install(std::move(inputs));
}

void MetricsHub::RecordReload(bool ok) {
  const double now = ToUnixSeconds(impl_->clock.WallNow());
  MutexLock lock(impl_->mu);
  if (!impl_->global) return;
  impl_->global->reload_ok->value = ok ? 1 : 0;
  if (ok) impl_->global->reload_timestamp->value = now;
  impl_->global_chunks = RenderChunks(impl_->global->store, Source::kGlobal);
  Impl::PageInputs inputs = impl_->EndChange();
  lock.Unlock();
  impl_->Install(std::move(inputs));
}

void MetricsHub::ObserveHttpRequest(std::string_view handler, int code, double seconds) {
  const auto it = std::find(kHttpHandlers.begin(), kHttpHandlers.end(), handler);
  const size_t h = it != kHttpHandlers.end() ? static_cast<size_t>(it - kHttpHandlers.begin())
                                             : kHttpHandlers.size() - 1;  // "other"
  const std::optional<size_t> c = CodeClass(code);
  MutexLock lock(impl_->listener_mu);
  internal::ListenerSeries& l = *impl_->listener;
  if (c) l.requests[h][*c]->value += 1;
  l.request_duration[h]->histogram->Observe(std::max(0.0, seconds));
}

void MetricsHub::RecordAuthFailure(AuthFailure reason) {
  MutexLock lock(impl_->listener_mu);
  impl_->listener->auth_failures[static_cast<size_t>(reason)]->value += 1;
}

void MetricsHub::SetHttpConnections(int open) {
  MutexLock lock(impl_->listener_mu);
  impl_->listener->connections->value = open;
}

void MetricsHub::RecordConnectionRejected(ConnectionRejectReason reason) {
  MutexLock lock(impl_->listener_mu);
  impl_->listener->rejected[static_cast<size_t>(reason)]->value += 1;
}

Exposition MetricsHub::Expose(Format format, bool gzip) {
  const ProcessStats process = impl_->process.Read();  // I/O: before any lock
  const PageFormat pf = format == Format::kText ? PageFormat::kText : PageFormat::kProtobuf;
  const std::shared_ptr<const Page> page = impl_->CurrentPage();
  const auto& slots = internal::Slots();
  std::vector<std::string> dynamic(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) impl_->RenderSlot(slots[i], process, pf, dynamic[i]);
  static const std::vector<std::string> kNoSegments(internal::Slots().size() + 1);
  const std::vector<std::string>& segments = page ? page->Segments(pf) : kNoSegments;

  Exposition out;
  if (gzip) {
    static const std::vector<DeflatedPart> kNoParts(internal::Slots().size() + 1);
    const std::vector<DeflatedPart>* cached = page ? page->Deflated(pf) : &kNoParts;
    // The per-scrape parts are a few KiB: level 1, a reused stream, and a 4 KiB window
    // with a small hash keep them cheap (~20 KiB per listener thread, not ~270 KiB).
    thread_local Deflater deflater(1, 12, 4);
    std::vector<DeflatedPart> fresh;
    fresh.reserve(dynamic.size());
    for (const std::string& d : dynamic) {
      Result<DeflatedPart> part = deflater.Deflate(d);
      if (!part.ok()) break;
      fresh.push_back(std::move(part).value());
    }
    if (cached != nullptr && fresh.size() == dynamic.size()) {
      std::vector<const DeflatedPart*> parts;
      for (size_t i = 0; i < fresh.size(); ++i) {
        parts.push_back(&(*cached)[i]);
        parts.push_back(&fresh[i]);
      }
      parts.push_back(&cached->back());
      AppendGzip(parts.data(), parts.size(), out.body);
      out.gzip = true;
      return out;
    }
    // zlib failed (out of memory): serve the page uncompressed.
  }
  size_t bytes = 0;
  for (const auto& s : segments) bytes += s.size();
  for (const auto& d : dynamic) bytes += d.size();
  out.body.reserve(bytes);
  for (size_t i = 0; i < dynamic.size(); ++i) {
    out.body += segments[i];
    out.body += dynamic[i];
  }
  out.body += segments.back();
  return out;
}

std::string MetricsHub::Render() { return Expose(Format::kText, false).body; }

int MetricsHub::SeriesCount() const {
  MutexLock lock(impl_->mu);
  return impl_->series_count;
}

}  // namespace hermes::metrics
