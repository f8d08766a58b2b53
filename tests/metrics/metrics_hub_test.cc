// MetricsHub behaviour: publication semantics, reload carry-over, closed label sets.
#include "metrics/metrics_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "metrics/metrics_test_util.h"

namespace hermes::metrics {
namespace {

using namespace std::chrono_literals;
using testutil::AllKindsConfig;
using testutil::ParseSamples;
using testutil::Share;
using testutil::SpeedtestResult;
using testutil::Value;

const WallTime kStart = WallTime(std::chrono::seconds(1'700'000'100));

TEST(MetricsHubTest, FailedRunKeepsLastGoodThroughput) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.PublishRun("cloudflare", kStart, 20s, SpeedtestResult(10));
  auto failed = probe::ProbeResult::Failure(probe::FailureReason::kTimeout, "deadline");
  failed.transferred_bytes = {1000, 0};
  failed.throughput_samples[0] = {5e5};
  hub.PublishRun("cloudflare", kStart + 900s, 60s, failed);

  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_probe_success{probe="cloudflare"})"), 0);
  EXPECT_EQ(Value(s, R"(hermes_probe_runs_total{probe="cloudflare"})"), 2);
  EXPECT_EQ(Value(s, R"(hermes_probe_failures_total{probe="cloudflare",reason="timeout"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_probe_failures_total{probe="cloudflare",reason="dns"})"), 0);
  // Last-good gauges and their timestamp are those of the first run.
  EXPECT_EQ(
      Value(s, R"(hermes_throughput_bytes_per_second{direction="download",probe="cloudflare"})"),
      10e6);
  EXPECT_EQ(
      Value(s, R"(hermes_throughput_bytes_per_second{direction="upload",probe="cloudflare"})"),
      2e6);
  EXPECT_DOUBLE_EQ(Value(s, R"(hermes_latency_seconds{load="idle",probe="cloudflare"})"), 0.011);
  EXPECT_DOUBLE_EQ(Value(s, R"(hermes_jitter_seconds{load="upload",probe="cloudflare"})"), 0.0045);
  EXPECT_DOUBLE_EQ(
      Value(s, R"(hermes_probe_phase_duration_seconds{phase="tls",probe="cloudflare"})"), 0.003);
  EXPECT_EQ(Value(s, R"(hermes_probe_last_success_timestamp_seconds{probe="cloudflare"})"),
            1'700'000'120);
  EXPECT_EQ(Value(s, R"(hermes_probe_last_run_timestamp_seconds{probe="cloudflare"})"),
            1'700'001'060);
  // What the failed run really moved is still counted.
  EXPECT_EQ(Value(s, R"(hermes_transferred_bytes_total{direction="download",probe="cloudflare"})"),
            1e8 + 1000);
  EXPECT_EQ(
      Value(
          s,
          R"(hermes_throughput_sample_bytes_per_second_count{direction="download",probe="cloudflare"})"),
      3);
  EXPECT_EQ(Value(s, R"(hermes_probe_duration_seconds_count{probe="cloudflare"})"), 2);
}

// Responsiveness gauges are last-good values: a failed run leaves them, and a
// reload that keeps the probe carries them over.
TEST(MetricsHubTest, ResponsivenessSurvivesAFailedRunAndAReload) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  probe::ProbeResult ok;
  ok.success = true;
  ok.responsiveness[0].rpm = {900, 700, 800};
  ok.responsiveness[0].confidence = 1;
  hub.PublishRun("rpm", kStart, 9s, ok);
  hub.PublishRun("rpm", kStart, 9s,
                 probe::ProbeResult::Failure(probe::FailureReason::kTimeout, ""));
  hub.Apply(Share(AllKindsConfig()));
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(
      Value(s, R"(hermes_responsiveness_rpm{component="total",direction="download",probe="rpm"})"),
      800);
  EXPECT_EQ(Value(s, R"(hermes_responsiveness_confidence{direction="download",probe="rpm"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_expected_responsiveness_rpm{probe="rpm"})"), 1000);
  EXPECT_EQ(Value(s, R"(hermes_probe_failures_total{probe="rpm",reason="timeout"})"), 1);
}

TEST(MetricsHubTest, FailureWithoutReasonCountsAsUnknown) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.PublishRun("gateway", kStart, 1s, probe::ProbeResult{});
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_probe_failures_total{probe="gateway",reason="unknown"})"), 1);
}

TEST(MetricsHubTest, HttpStatusAndLossAreSetOnFailure) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  auto http = probe::ProbeResult::Failure(probe::FailureReason::kHttpStatus, "500");
  http.http_status_code = 500;
  hub.PublishRun("api", kStart, 1s, http);
  auto icmp = probe::ProbeResult::Failure(probe::FailureReason::kTimeout, "no replies");
  icmp.packets[0].sent = 10;
  icmp.packets[0].lost = 10;
  icmp.packets[0].loss_ratio = 1.0;
  hub.PublishRun("upstream", kStart, 5s, icmp);
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_http_status_code{probe="api"})"), 500);
  EXPECT_EQ(Value(s, R"(hermes_packet_loss_ratio{load="idle",probe="upstream"})"), 1.0);
  EXPECT_EQ(Value(s, R"(hermes_packets_lost_total{load="idle",probe="upstream"})"), 10);
  EXPECT_EQ(Value(s, R"(hermes_latency_seconds{load="idle",probe="upstream"})"), 0);
}

TEST(MetricsHubTest, AllSeriesPresentAtZeroAfterApply) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  const std::string text = hub.Render();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("Nan"), std::string::npos);
  const auto s = ParseSamples(text);
  for (auto reason : probe::kAllFailureReasons) {
    const std::string key = R"(hermes_probe_failures_total{probe="gateway",reason=")" +
                            std::string(probe::FailureReasonName(reason)) + "\"}";
    EXPECT_EQ(Value(s, key), 0) << key;
  }
  for (auto reason : kAllSkipReasons) {
    const std::string key = R"(hermes_probe_skipped_total{probe="resolver",reason=")" +
                            std::string(Label(reason)) + "\"}";
    EXPECT_EQ(Value(s, key), 0) << key;
  }
  for (const char* key : {
           R"(hermes_probe_success{probe="upstream"})",
           R"(hermes_probe_runs_total{probe="upstream"})",
           R"(hermes_probe_last_success_timestamp_seconds{probe="api"})",
           R"(hermes_rtt_seconds_count{load="download",probe="cloudflare"})",
           R"(hermes_rtt_seconds_bucket{load="idle",probe="gateway",le="+Inf"})",
           R"(hermes_packets_sent_total{load="idle",probe="gateway"})",
           R"(hermes_packet_loss_ratio{load="idle",probe="upstream"})",
           R"(hermes_throughput_bytes_per_second{direction="upload",probe="cloudflare"})",
           R"(hermes_transferred_bytes_total{direction="download",probe="api"})",
           R"(hermes_probe_phase_duration_seconds{phase="resolve",probe="resolver"})",
           R"(hermes_http_requests_total{code="4xx",handler="metrics"})",
           R"(hermes_http_auth_failures_total{reason="invalid"})",
           R"(hermes_http_connections_rejected_total{reason="tls_handshake"})",
       }) {
    EXPECT_EQ(Value(s, key), 0) << key;
  }
  // Config-derived gauges carry their config values.
  EXPECT_EQ(Value(s, R"(hermes_probe_interval_seconds{probe="cloudflare"})"), 900);
  EXPECT_EQ(Value(s, R"(hermes_probe_timeout_seconds{probe="api"})"), 5);
  EXPECT_EQ(Value(s, R"(hermes_expected_latency_seconds{probe="cloudflare"})"), 0.03);
  EXPECT_EQ(Value(s, "hermes_metrics_series_limit"), 2000);
  EXPECT_EQ(Value(s, "hermes_metrics_series"), hub.SeriesCount());
  EXPECT_EQ(Value(s, "hermes_config_last_reload_successful"), 1);
}

TEST(MetricsHubTest, CountersSurviveApplyForSameProbe) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.PublishRun("cloudflare", kStart, 20s, SpeedtestResult(10));
  hub.PublishRun("cloudflare", kStart + 900s, 20s,
                 probe::ProbeResult::Failure(probe::FailureReason::kTls, "bad cert"));
  hub.RecordSkip("cloudflare", SkipReason::kOverrun);
  hub.ObserveHttpRequest("metrics", 200, 0.002);
  hub.RecordAuthFailure(AuthFailure::kMissing);

  config::Config next = AllKindsConfig();
  next.probes[0].interval = 1800s;  // same name and kind, changed config
  hub.Apply(Share(next));
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_probe_runs_total{probe="cloudflare"})"), 2);
  EXPECT_EQ(Value(s, R"(hermes_probe_failures_total{probe="cloudflare",reason="tls"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_probe_skipped_total{probe="cloudflare",reason="overrun"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_transferred_bytes_total{direction="upload",probe="cloudflare"})"),
            2e7);
  EXPECT_EQ(Value(s, R"(hermes_rtt_seconds_count{load="idle",probe="cloudflare"})"), 3);
  EXPECT_DOUBLE_EQ(Value(s, R"(hermes_rtt_seconds_sum{load="idle",probe="cloudflare"})"), 0.033);
  EXPECT_EQ(Value(s, R"(hermes_rtt_seconds_bucket{load="idle",probe="cloudflare",le="0.008"})"), 0);
  EXPECT_EQ(Value(s, R"(hermes_rtt_seconds_bucket{load="idle",probe="cloudflare",le="0.016"})"), 3);
  EXPECT_EQ(Value(s, R"(hermes_probe_duration_seconds_count{probe="cloudflare"})"), 2);
  // Last-good gauges survive; config gauges follow the new config.
  EXPECT_EQ(
      Value(s, R"(hermes_throughput_bytes_per_second{direction="download",probe="cloudflare"})"),
      10e6);
  EXPECT_EQ(Value(s, R"(hermes_probe_last_success_timestamp_seconds{probe="cloudflare"})"),
            1'700'000'120);
  EXPECT_EQ(Value(s, R"(hermes_probe_interval_seconds{probe="cloudflare"})"), 1800);
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="2xx",handler="metrics"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_http_request_duration_seconds_count{handler="metrics"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_http_auth_failures_total{reason="missing"})"), 1);
}

TEST(MetricsHubTest, RemovedProbeVanishesAndRenamedKindStartsAtZero) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.PublishRun("gateway", kStart, 1s, probe::ProbeResult{});
  hub.PublishRun("resolver", kStart, 1s, probe::ProbeResult{});

  config::Config next = AllKindsConfig();
  next.probes.erase(next.probes.begin() + 2);  // gateway removed
  for (auto& p : next.probes) {
    if (p.name == "resolver") p = testutil::MakeProbe("resolver", "tcp");  // same name, new kind
  }
  hub.Apply(Share(next));
  const std::string text = hub.Render();
  EXPECT_EQ(text.find("probe=\"gateway\""), std::string::npos);
  const auto s = ParseSamples(text);
  EXPECT_EQ(Value(s, R"(hermes_probe_runs_total{probe="resolver"})"), 0);
  EXPECT_EQ(testutil::CountSampleLines(text), hub.SeriesCount());

  // A run of the removed probe that finishes after the reload is ignored.
  hub.PublishRun("gateway", kStart, 1s, probe::ProbeResult{});
  EXPECT_EQ(hub.Render().find("probe=\"gateway\""), std::string::npos);
}

TEST(MetricsHubTest, ChangedBucketsResetHistogramButKeepCounters) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.PublishRun("cloudflare", kStart, 20s, SpeedtestResult(1));
  config::Config next = AllKindsConfig();
  next.global.latency_buckets = {0.01, 0.1, 1};
  hub.Apply(Share(next));
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_rtt_seconds_count{load="idle",probe="cloudflare"})"), 0);
  EXPECT_EQ(Value(s, R"(hermes_rtt_seconds_bucket{load="idle",probe="cloudflare",le="0.1"})"), 0);
  EXPECT_EQ(Value(s, R"(hermes_probe_runs_total{probe="cloudflare"})"), 1);
}

TEST(MetricsHubTest, UnknownLabelsNeverCreateSeries) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  const int before = testutil::CountSampleLines(hub.Render());
  hub.ObserveHttpRequest("/etc/passwd", 404, 0.1);
  hub.ObserveHttpRequest("metrics", 418, 0.1);
  hub.ObserveHttpRequest("metrics", 999, 0.1);  // no such class: timed, not counted
  hub.RecordSkip("no_such_probe", SkipReason::kOverrun);
  hub.PublishRun("no_such_probe", kStart, 1s, SpeedtestResult(1));
  const std::string text = hub.Render();
  EXPECT_EQ(testutil::CountSampleLines(text), before);
  for (const char* bad : {"passwd", "418", "999", "no_such"}) {
    EXPECT_EQ(text.find(bad), std::string::npos) << bad;
  }
  const auto s = ParseSamples(text);
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="4xx",handler="other"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="4xx",handler="metrics"})"), 1);
  EXPECT_EQ(Value(s, R"(hermes_http_request_duration_seconds_count{handler="metrics"})"), 2);
}

TEST(MetricsHubTest, StatusClassesAndEnumLabels) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  for (int code : {200, 202, 401, 404, 429, 500, 503}) hub.ObserveHttpRequest("trigger", code, 0);
  for (auto f : kAllAuthFailures) hub.RecordAuthFailure(f);
  for (auto r : kAllConnectionRejectReasons) hub.RecordConnectionRejected(r);
  for (auto r : kAllSkipReasons) hub.RecordSkip("gateway", r);
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="2xx",handler="trigger"})"), 2);
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="4xx",handler="trigger"})"), 3);
  EXPECT_EQ(Value(s, R"(hermes_http_requests_total{code="5xx",handler="trigger"})"), 2);
  for (const char* key : {
           R"(hermes_http_auth_failures_total{reason="missing"})",
           R"(hermes_http_auth_failures_total{reason="malformed"})",
           R"(hermes_http_auth_failures_total{reason="invalid"})",
           R"(hermes_http_connections_rejected_total{reason="max_connections"})",
           R"(hermes_http_connections_rejected_total{reason="max_connections_per_ip"})",
           R"(hermes_http_connections_rejected_total{reason="tls_handshake"})",
           R"(hermes_probe_skipped_total{probe="gateway",reason="overrun"})",
           R"(hermes_probe_skipped_total{probe="gateway",reason="bandwidth_busy"})",
           R"(hermes_probe_skipped_total{probe="gateway",reason="retry_after"})",
           R"(hermes_probe_skipped_total{probe="gateway",reason="budget"})",
       }) {
    EXPECT_EQ(Value(s, key), 1) << key;
  }
}

TEST(MetricsHubTest, SelfMetricsRecordWhatTheyAreTold) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  hub.SetHttpConnections(3);
  hub.RecordConnectionRejected(ConnectionRejectReason::kMaxConnectionsPerIp);
  hub.ObserveStartLag(30ms);
  hub.ObserveStartLag(-5ms);
  clock.Advance(10s);
  hub.RecordReload(false);
  const auto s = ParseSamples(hub.Render());
  EXPECT_EQ(Value(s, "hermes_http_connections"), 3);
  EXPECT_EQ(Value(s, R"(hermes_http_connections_rejected_total{reason="max_connections_per_ip"})"),
            1);
  EXPECT_EQ(Value(s, "hermes_scheduler_start_lag_seconds_count"), 2);
  EXPECT_EQ(Value(s, R"(hermes_scheduler_start_lag_seconds_bucket{le="0.001"})"), 1);
  EXPECT_EQ(Value(s, "hermes_config_last_reload_successful"), 0);
  EXPECT_EQ(Value(s, "hermes_config_last_reload_success_timestamp_seconds"), 1'700'000'000);
  hub.RecordReload(true);
  const auto t = ParseSamples(hub.Render());
  EXPECT_EQ(Value(t, "hermes_config_last_reload_successful"), 1);
  EXPECT_EQ(Value(t, "hermes_config_last_reload_success_timestamp_seconds"), 1'700'000'010);
}

TEST(MetricsHubTest, RenderBeforeApplyHasOnlyProcessMetrics) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.PublishRun("cloudflare", kStart, 1s, SpeedtestResult(1));
  const std::string text = hub.Render();
  EXPECT_EQ(text.find("hermes_"), std::string::npos);
  EXPECT_NE(text.find("process_open_fds"), std::string::npos);
  EXPECT_EQ(hub.SeriesCount(), 0);
}

// Run k (odd k succeed) publishes throughput download = upload = 1000 * latency =
// 1000 * k, last success at kStart + k s, and 1 downloaded byte per run. A render
// that mixed two runs would break one of those equalities.
TEST(MetricsHubTest, ConcurrentRenderNeverSeesHalfARun) {
  FakeClock clock;
  MetricsHub hub(clock);
  config::Config c;
  c.probes.push_back(testutil::MakeProbe("s", "speedtest"));
  hub.Apply(Share(c));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int k = 1; !stop.load(); ++k) {
      probe::ProbeResult r;
      r.success = k % 2 == 1;
      if (!r.success) r.reason = probe::FailureReason::kNetwork;
      r.throughput_bytes_per_second = {1000.0 * k, 1000.0 * k};
      r.latency[0].median_seconds = k;
      r.transferred_bytes = {1, 0};
      hub.PublishRun("s", kStart + std::chrono::seconds(k), 0s, r);
    }
  });
  struct StopAndJoin {  // also on an ASSERT's early return
    std::atomic<bool>& stop;
    std::thread& t;
    ~StopAndJoin() {
      stop = true;
      t.join();
    }
  } guard{stop, writer};
  // At least 300 renders, and as many more as it takes for 50 of them to land after
  // the writer's first publication (on a loaded host it may not run for a while).
  int renders_mid_run = 0;
  for (int i = 0; i < 300 || renders_mid_run < 50; ++i) {
    const auto s = ParseSamples(hub.Render());
    const double runs = Value(s, R"(hermes_probe_runs_total{probe="s"})");
    const double lat = Value(s, R"(hermes_latency_seconds{load="idle",probe="s"})");
    const double down =
        Value(s, R"(hermes_throughput_bytes_per_second{direction="download",probe="s"})");
    const double up =
        Value(s, R"(hermes_throughput_bytes_per_second{direction="upload",probe="s"})");
    const double last_ok = Value(s, R"(hermes_probe_last_success_timestamp_seconds{probe="s"})");
    const double last = Value(s, R"(hermes_probe_last_run_timestamp_seconds{probe="s"})");
    const double failures = Value(s, R"(hermes_probe_failures_total{probe="s",reason="network"})");
    ASSERT_EQ(down, up);
    ASSERT_EQ(down, 1000 * lat);
    ASSERT_EQ(runs, Value(s, R"(hermes_transferred_bytes_total{direction="download",probe="s"})"));
    ASSERT_EQ(failures, std::floor(runs / 2));
    if (runs == 0) continue;
    ++renders_mid_run;
    ASSERT_EQ(last, 1'700'000'100 + runs);
    ASSERT_EQ(last_ok, 1'700'000'100 + lat);
    ASSERT_EQ(lat, std::fmod(runs, 2) == 1 ? runs : runs - 1);
  }
}

}  // namespace
}  // namespace hermes::metrics
