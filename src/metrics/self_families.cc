// The exporter's own series: the cached ones (build, config, budget, cardinality,
// start lag) and the listener's (rendered per scrape).
#include <string>

#include "common/version.h"
#include "metrics/families.h"
#include "metrics/metrics_hub.h"

namespace hermes::metrics::internal {

using F = Family;

std::unique_ptr<GlobalSeries> BuildGlobalSeries(const config::Config& config) {
  auto g = std::make_unique<GlobalSeries>();
  SeriesStore& st = g->store;
  st.Add(F::kBuildInfo, {{"version", kVersion}, {"revision", kRevision}, {"compiler", kCompiler}})
      ->value = 1;
  g->reload_timestamp = st.Add(F::kReloadTimestamp, {});
  g->reload_ok = st.Add(F::kReloadOk, {});
  st.Add(F::kProjectedBytes, {})->value =
      static_cast<double>(config::ProjectedMonthlyBytes(config));
  st.Add(F::kSeries, {})->value = CountSeries(config);
  st.Add(F::kSeriesLimit, {})->value = config.global.max_series;
  g->start_lag = st.Add(F::kStartLag, {}, std::make_shared<BucketSet>(StartLagBuckets()));
  return g;
}

std::unique_ptr<ListenerSeries> BuildListenerSeries() {
  auto l = std::make_unique<ListenerSeries>();
  SeriesStore& st = l->store;
  const auto durations = std::make_shared<BucketSet>(RequestDurationBuckets());
  for (size_t h = 0; h < kNumHandlers; ++h) {
    for (size_t c = 0; c < kNumCodeClasses; ++c) {
      l->requests[h][c] =
          st.Add(F::kRequests, {{"handler", kHttpHandlers[h]}, {"code", kHttpCodeClasses[c]}});
    }
    l->request_duration[h] =
        st.Add(F::kRequestDuration, {{"handler", kHttpHandlers[h]}}, durations);
  }
  for (size_t i = 0; i < kNumAuthFailures; ++i) {
    l->auth_failures[i] = st.Add(F::kAuthFailures, {{"reason", Label(kAllAuthFailures[i])}});
  }
  l->connections = st.Add(F::kConnections, {});
  for (size_t i = 0; i < kNumRejectReasons; ++i) {
    l->rejected[i] =
        st.Add(F::kConnectionsRejected, {{"reason", Label(kAllConnectionRejectReasons[i])}});
  }
  return l;
}

}  // namespace hermes::metrics::internal
