// The exporter's own families (scheduler, config, build, listener, cardinality),
// and the snapshot builder that combines them with the probe families.
#include <string>

#include "common/version.h"
#include "metrics/families.h"

namespace hermes::metrics::internal {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

}  // namespace

GlobalSeries BuildGlobalSeries(const config::Config& config, prometheus::Registry& r) {
  GlobalSeries g;
  g.start_lag = &BuildHistogram()
                     .Name("hermes_scheduler_start_lag_seconds")
                     .Help("Delay between a run's planned and actual start.")
                     .Register(r)
                     .Add({}, StartLagBuckets());
  g.projected_bytes = &BuildGauge()
                           .Name("hermes_data_budget_projected_bytes")
                           .Help("Worst-case bytes the configured probes move per 30 days.")
                           .Register(r)
                           .Add({});
  g.projected_bytes->Set(static_cast<double>(config::ProjectedMonthlyBytes(config)));
  g.build_info =
      &BuildGauge()
           .Name("hermes_build_info")
           .Help("Build metadata of the running hermes; always 1.")
           .Register(r)
           .Add({{"version", kVersion}, {"revision", kRevision}, {"compiler", kCompiler}});
  g.build_info->Set(1);
  g.reload_ok = &BuildGauge()
                     .Name("hermes_config_last_reload_successful")
                     .Help("1 if the last configuration load succeeded, else 0.")
                     .Register(r)
                     .Add({});
  g.reload_timestamp = &BuildGauge()
                            .Name("hermes_config_last_reload_success_timestamp_seconds")
                            .Help("Unix time of the last successful configuration load.")
                            .Register(r)
                            .Add({});

  auto& requests = BuildCounter()
                       .Name("hermes_http_requests_total")
                       .Help("HTTP requests answered, by handler and status code.")
                       .Register(r);
  auto& durations = BuildHistogram()
                        .Name("hermes_http_request_duration_seconds")
                        .Help("Time to answer HTTP requests, by handler.")
                        .Register(r);
  for (size_t h = 0; h < kNumHandlers; ++h) {
    for (size_t c = 0; c < kNumCodes; ++c) {
      g.requests[h][c] = &requests.Add({{"handler", kHttpHandlers[h]}, {"code", kHttpCodes[c]}});
    }
    g.request_duration[h] =
        &durations.Add({{"handler", kHttpHandlers[h]}}, RequestDurationBuckets());
  }
  auto& auth = BuildCounter()
                   .Name("hermes_http_auth_failures_total")
                   .Help("Requests rejected by authentication, by reason.")
                   .Register(r);
  for (size_t i = 0; i < kNumAuthReasons; ++i) {
    g.auth_failures[i] = &auth.Add({{"reason", kAuthFailureReasons[i]}});
  }
  g.connections = &BuildGauge()
                       .Name("hermes_http_connections")
                       .Help("Open HTTP connections.")
                       .Register(r)
                       .Add({});
  auto& rejected = BuildCounter()
                       .Name("hermes_http_connections_rejected_total")
                       .Help("Connections refused or dropped before a request, by reason.")
                       .Register(r);
  for (size_t i = 0; i < kNumRejectReasons; ++i) {
    g.rejected[i] = &rejected.Add({{"reason", kConnectionRejectReasons[i]}});
  }
  g.series = &BuildGauge()
                  .Name("hermes_metrics_series")
                  .Help("Series in this exposition, as computed from the config.")
                  .Register(r)
                  .Add({});
  g.series->Set(CountSeries(config));
  g.series_limit = &BuildGauge()
                        .Name("hermes_metrics_series_limit")
                        .Help("Configured series budget (global.max_series).")
                        .Register(r)
                        .Add({});
  g.series_limit->Set(config.global.max_series);
  return g;
}

void CarryOverGlobal(const GlobalSeries& from, GlobalSeries& to) {
  CopyHistogram(from.start_lag, to.start_lag);
  CopyGauge(from.reload_ok, to.reload_ok);
  CopyGauge(from.reload_timestamp, to.reload_timestamp);
  for (size_t h = 0; h < kNumHandlers; ++h) {
    for (size_t c = 0; c < kNumCodes; ++c) CopyCounter(from.requests[h][c], to.requests[h][c]);
    CopyHistogram(from.request_duration[h], to.request_duration[h]);
  }
  for (size_t i = 0; i < kNumAuthReasons; ++i) {
    CopyCounter(from.auth_failures[i], to.auth_failures[i]);
  }
  CopyGauge(from.connections, to.connections);
  for (size_t i = 0; i < kNumRejectReasons; ++i) CopyCounter(from.rejected[i], to.rejected[i]);
}

std::unique_ptr<Snapshot> BuildSnapshot(std::shared_ptr<const config::Config> config) {
  auto s = std::make_unique<Snapshot>();
  s->registry = std::make_unique<prometheus::Registry>();
  BuildProbeSeries(*config, *s->registry, s->probes);
  s->global = BuildGlobalSeries(*config, *s->registry);
  s->series_count = CountSeries(*config);
  s->config = std::move(config);
  return s;
}

}  // namespace hermes::metrics::internal
