// Alerting rules (Prometheus >= 2.42), generated into alerts/hermes-alerts.yml.
//
// Conventions (README, "Alerts, dashboards and runbook"):
// - Every rule selects by hermes_* metric names (plus _config.hermesSelector); only
//   HermesExporterDown reads `up`, with _config.upSelector, and falls back to "any
//   target that exposed hermes_build_info" so that job names do not matter.
// - Expressions keep every target label (job, instance and whatever service discovery
//   adds): joins use on(...) over job, instance and _config.clusterLabels, and
//   aggregations use without(...).
// - Series of a configured probe exist at 0 from startup; gauges that are 0 before the
//   first success are guarded with "> 0".
// - Alerts use raw metrics only, so they do not depend on the recording rules.
//
// To add an alert: add its defaults to config.libsonnet (`for`, thresholds), an entry
// to one of the groups below, a runbook section in README.md and a promtool test in
// alerts/tests/; then run scripts/mixin.sh.
local u = import 'lib/util.libsonnet';

{
  local cfg = $._config,
  local s(extra=[]) = u.sel([cfg.hermesSelector] + extra),
  local on(extra=[]) = 'on (' + std.join(', ', cfg.clusterLabels + ['job', 'instance'] + extra) + ')',
  // Matchers of an annotation template query for the alert's own series.
  local tmplMatchers(labels) =
    local all = cfg.clusterLabels + ['job', 'instance'] + labels;
    {
      m: std.join(',', [l + '="%s"' for l in all]),
      args: std.join(' ', ['$labels.' + l for l in all]),
    },
  local oneLine(text) = std.stripChars(std.strReplace(text, '\n', ' '), ' '),

  // One alerting rule, or none when _config.alerts[name].enabled is false.
  local alert(name, severity, expr, summary, description) =
    local settings = { enabled: true } + cfg.alerts[name];
    if !settings.enabled then [] else [{
      alert: name,
      expr: expr,
      'for': settings['for'],
      labels: { severity: severity },
      annotations: {
        summary: summary,
        description: oneLine(description),
        runbook_url: cfg.runbookURLPattern % std.asciiLower(name),
      },
    }],
  local group(name, rules) = { name: name, rules: std.flattenArrays(rules) },

  local a = cfg.alerts,

  prometheusAlerts+:: {
    groups+: std.filter(function(g) g.rules != [], [
      group('hermes-exporter', [
        // A job named like hermes, or any target that exposed hermes_build_info within
        // exporterLookback, is down.
        alert('HermesExporterDown',
              'critical',
              |||
                up{%(up)s} == 0
                or %(on)s
                (
                  up == 0
                  and %(on)s last_over_time(hermes_build_info%(s)s[%(lb)s])
                )
              ||| % { up: cfg.upSelector, on: on(), s: s(), lb: cfg.exporterLookback },
              'hermes exporter {{ $labels.instance }} is down',
              |||
                Prometheus has failed to scrape the hermes exporter {{ $labels.instance }}
                (job {{ $labels.job }}) for more than %s (up = {{ $value | humanize }}).
                No network-quality results are being collected from it; all other hermes
                alerts for this target are inhibited while it is down.
              ||| % u.words(a.HermesExporterDown['for'])),

        // A job (per cluster label) that had hermes targets within exporterLookback has
        // none left among the scrape targets: service discovery lost them, or the agent
        // that forwards them by remote write went silent. Whatever the job is called.
        alert('HermesExporterAbsent',
              'warning',
              |||
                count by (%(g)s) (last_over_time(hermes_build_info%(s)s[%(lb)s]))
                unless on (%(g)s)
                count by (%(g)s) (up and %(on)s last_over_time(hermes_build_info%(s)s[%(lb)s]))
              ||| % { g: std.join(', ', cfg.clusterLabels + ['job']), on: on(), s: s(), lb: cfg.exporterLookback },
              'No hermes exporter of job {{ $labels.job }} is being scraped',
              |||
                Prometheus scraped hermes exporters under job {{ $labels.job }} during the
                last %(lb)s ({{ $value | humanize }} seen), but none of them has been a scrape
                target for %(for)s. Service discovery lost them, the job was renamed, or the
                Prometheus agent that forwards them stopped sending.
              ||| % { lb: cfg.exporterLookback, 'for': u.words(a.HermesExporterAbsent['for']) }),

        alert('HermesConfigReloadFailed',
              'warning',
              |||
                hermes_config_last_reload_successful%s == 0
              ||| % s(),
              'hermes on {{ $labels.instance }} failed to reload its configuration',
              |||
                The last configuration reload of {{ $labels.instance }} (job {{ $labels.job }})
                failed (hermes_config_last_reload_successful = {{ $value | humanize }}). hermes
                keeps running with the previous configuration, so config changes are not
                in effect.
              |||),

        alert('HermesAuthFailuresSpike',
              'warning',
              |||
                sum without (reason) (rate(hermes_http_auth_failures_total%s[5m])) > %s
              ||| % [s(), u.num(a.HermesAuthFailuresSpike.threshold)],
              'Many failed authentications on hermes {{ $labels.instance }}',
              |||
                {{ $labels.instance }} (job {{ $labels.job }}) rejects
                {{ printf "%%.2f" $value }} requests/s with missing, malformed or invalid
                credentials (threshold %s/s over 5m). A scraper may use a stale token, or
                someone is guessing credentials.
              ||| % u.num(a.HermesAuthFailuresSpike.threshold)),

        alert('HermesConnectionsRejected',
              'warning',
              |||
                rate(hermes_http_connections_rejected_total%s[5m]) > 0
              ||| % s(),
              'hermes {{ $labels.instance }} is rejecting connections ({{ $labels.reason }})',
              |||
                {{ $labels.instance }} (job {{ $labels.job }}) has been rejecting
                {{ printf "%%.2f" $value }} connections/s for %s (reason
                {{ $labels.reason }}). Scrapes may be refused along with the excess clients.
              ||| % u.words(a.HermesConnectionsRejected['for'])),

        alert('HermesSeriesBudgetNearlyUsed',
              'warning',
              |||
                hermes_metrics_series%(s)s / hermes_metrics_series_limit%(s)s > %(t)s
                and hermes_metrics_series_limit%(s)s > 0
              ||| % { s: s(), t: u.num(a.HermesSeriesBudgetNearlyUsed.threshold) },
              'hermes {{ $labels.instance }} uses {{ $value | humanizePercentage }} of its series budget',
              |||
                {{ $labels.instance }} (job {{ $labels.job }}) exports
                {{ $value | humanizePercentage }} of global.max_series. A configuration that
                adds probes or buckets beyond the limit will be refused at the next reload.
              |||),

        alert('HermesSchedulerLag',
              'warning',
              |||
                histogram_quantile(0.9, rate(hermes_scheduler_start_lag_seconds_bucket%s[10m])) > %s
              ||| % [s(), u.num(a.HermesSchedulerLag.threshold)],
              'hermes {{ $labels.instance }} starts probes late',
              |||
                90%% of probe runs on {{ $labels.instance }} (job {{ $labels.job }}) started up
                to {{ $value | humanizeDuration }} after their planned time over the last
                10 minutes (threshold %s). The worker pool or the host is overloaded, so
                results are older than the scrape-aligned schedule intends.
              ||| % u.seconds(a.HermesSchedulerLag.threshold)),
      ]),

      group('hermes-probes', [
        // The last run failed and so did the run before it (the last success is more
        // than 1.5 intervals older than the last run; before any success: at least two
        // failures since start). The value is the time without a success (since the
        // process start when there was none).
        alert('HermesProbeFailing',
              'critical',
              |||
                (
                  time()
                  - (
                      hermes_probe_last_success_timestamp_seconds%(s)s > 0
                      or %(onp)s
                      hermes_probe_last_success_timestamp_seconds%(s)s * 0
                        + %(on)s group_left process_start_time_seconds%(s)s
                    )
                )
                and %(onp)s (hermes_probe_success%(s)s == 0)
                and %(onp)s
                (
                  (
                    hermes_probe_last_run_timestamp_seconds%(s)s - hermes_probe_last_success_timestamp_seconds%(s)s
                      > 1.5 * hermes_probe_interval_seconds%(s)s
                    and %(onp)s hermes_probe_last_success_timestamp_seconds%(s)s > 0
                  )
                  or %(onp)s
                  (
                    sum without (reason) (hermes_probe_failures_total%(s)s) >= 2
                    unless %(onp)s hermes_probe_last_success_timestamp_seconds%(s)s > 0
                  )
                )
              ||| % { s: s(), on: on(), onp: on(['probe']) },
              'Probe {{ $labels.probe }} on {{ $labels.instance }} is failing',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                failed its last consecutive runs and has had no successful run for
                {{ $value | humanizeDuration }}. Most frequent failure reason in the last hour:
                {{ with printf `topk(1, sum by (reason) (increase(hermes_probe_failures_total{%(m)s}[1h])) > 0)` %(args)s | query }}{{ range . }}{{ .Labels.reason }} (failed runs: {{ .Value | humanize }}){{ end }}{{ else }}none recorded{{ end }}.
              ||| % tmplMatchers(['probe'])),

        // No successful run for more than `intervals` intervals. Before the first
        // success the process start time stands in for the last success, so a probe
        // that never succeeds goes stale that long after (re)start, not immediately.
        alert('HermesProbeStale',
              'warning',
              |||
                (
                  time()
                  - (
                      hermes_probe_last_success_timestamp_seconds%(s)s > 0
                      or %(onp)s
                      hermes_probe_last_success_timestamp_seconds%(s)s * 0
                        + %(on)s group_left process_start_time_seconds%(s)s
                    )
                )
                > %(n)s * hermes_probe_interval_seconds%(s)s
              ||| % { s: s(), on: on(), onp: on(['probe']), n: u.num(a.HermesProbeStale.intervals) },
              'Probe {{ $labels.probe }} on {{ $labels.instance }} has no recent result',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                has not completed a successful run for {{ $value | humanizeDuration }}, more
                than %s its interval. It is failing, being skipped, or not scheduled;
                its dashboards show old values.
              ||| % (if a.HermesProbeStale.intervals == 2 then 'twice' else u.num(a.HermesProbeStale.intervals) + ' times')),

        // More than `threshold` of the scheduled runs of the last hour were skipped
        // (per reason).
        alert('HermesProbeSkipped',
              'warning',
              |||
                increase(hermes_probe_skipped_total%(s)s[1h])
                / %(onp)s group_left ()
                (
                  increase(hermes_probe_runs_total%(s)s[1h])
                  + %(onp)s
                  sum without (reason) (increase(hermes_probe_skipped_total%(s)s[1h]))
                )
                > %(t)s
              ||| % { s: s(), onp: on(['probe']), t: u.num(a.HermesProbeSkipped.threshold) },
              'Probe {{ $labels.probe }} on {{ $labels.instance }} skips runs ({{ $labels.reason }})',
              |||
                {{ $value | humanizePercentage }} of the scheduled runs of probe
                {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }}) in the
                last hour were skipped with reason {{ $labels.reason }} (threshold %s).
              ||| % u.percent(a.HermesProbeSkipped.threshold)),
      ]),

      group('hermes-network-quality', [
        alert('HermesThroughputBelowExpected',
              'warning',
              |||
                (hermes_throughput_bytes_per_second%(s)s > 0) * 8
                < (hermes_expected_throughput_bytes_per_second%(s)s > 0) * 8
              ||| % { s: s() },
              '{{ $labels.direction | title }} throughput of {{ $labels.probe }} is below expectation',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                has measured {{ $labels.direction }} throughput of {{ $value | humanize }}bit/s
                for %(for)s, below the expected
                {{ with printf `hermes_expected_throughput_bytes_per_second{%(m)s} * 8` %(args)s | query }}{{ . | first | value | humanize }}bit/s{{ end }}.
              ||| % (tmplMatchers(['probe', 'direction']) + { 'for': u.words(a.HermesThroughputBelowExpected['for']) })),

        alert('HermesLatencyAboveExpected',
              'warning',
              |||
                (hermes_latency_seconds%s > 0)
                > ignoring (load) group_left ()
                (hermes_expected_latency_seconds%s > 0)
              ||| % [s(['load="idle"']), s()],
              'Idle latency of {{ $labels.probe }} is above expectation',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                has measured a median idle latency of {{ $value | humanizeDuration }} for
                %(for)s, above the expected
                {{ with printf `hermes_expected_latency_seconds{%(m)s}` %(args)s | query }}{{ . | first | value | humanizeDuration }}{{ end }}.
              ||| % (tmplMatchers(['probe']) + { 'for': u.words(a.HermesLatencyAboveExpected['for']) })),

        // The RPM under working conditions (the draft's total of foreign and loaded
        // round trips) of a responsiveness probe with expect.rpm, per direction; a
        // low-confidence result (cut short by max_duration or max_bytes) does not count.
        alert('HermesResponsivenessBelowExpected',
              'warning',
              |||
                (
                  (hermes_responsiveness_rpm%s > 0)
                  < ignoring (component, direction) group_left ()
                  (hermes_expected_responsiveness_rpm%s > 0)
                )
                and ignoring (component)
                (hermes_responsiveness_confidence%s >= 1)
              ||| % [s(['component="total"']), s(), s()],
              'Responsiveness of {{ $labels.probe }} ({{ $labels.direction }}) is below expectation',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                has measured {{ $value | printf "%%.0f" }} round trips per minute while loading
                the {{ $labels.direction }} direction for %(for)s, below the expected
                {{ with printf `hermes_expected_responsiveness_rpm{%(m)s}` %(args)s | query }}{{ . | first | value | printf "%%.0f" }}{{ end }}
                RPM: interactive traffic waits long whenever the link is busy.
              ||| % (tmplMatchers(['probe']) + { 'for': u.words(a.HermesResponsivenessBelowExpected['for']) })),

        // Median latency under load minus median idle latency of the same probe.
        alert('HermesBufferbloat',
              'warning',
              |||
                (
                  (hermes_latency_seconds%s > 0)
                  - ignoring (load) group_left ()
                  (hermes_latency_seconds%s > 0)
                )
                > %s
              ||| % [s(['load=~"download|upload"']), s(['load="idle"']), u.num(a.HermesBufferbloat.threshold)],
              'Bufferbloat on {{ $labels.probe }} during {{ $labels.load }}',
              |||
                While probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                saturates the {{ $labels.load }} direction, median latency is
                {{ $value | humanizeDuration }} higher than idle (threshold %s) for
                %s. Queues on the path are oversized (bufferbloat); interactive
                traffic suffers whenever the link is busy.
              ||| % [u.seconds(a.HermesBufferbloat.threshold), u.words(a.HermesBufferbloat['for'])]),

        // Loss over the last 10 minutes from the counters; probes that sent nothing in
        // that window (intervals > 10m) fall back to the loss of their last run. Idle
        // loss only: what a speed test's own load does to a STAMP stream is shown on
        // the dashboards, not alerted on.
        alert('HermesPacketLoss',
              'warning',
              |||
                (
                  increase(hermes_packets_lost_total%(s)s[10m])
                  / (increase(hermes_packets_sent_total%(s)s[10m]) > 0)
                  or %(onp)s
                  (
                    hermes_packet_loss_ratio%(s)s
                    unless %(onp)s
                      increase(hermes_packets_sent_total%(s)s[10m]) > 0
                  )
                )
                > %(t)s
              ||| % { s: s(['load="idle"']), onp: on(['probe']), t: u.num(a.HermesPacketLoss.threshold) },
              'Packet loss of {{ $value | humanizePercentage }} on {{ $labels.probe }}',
              |||
                Probe {{ $labels.probe }} on {{ $labels.instance }} (job {{ $labels.job }})
                has lost {{ $value | humanizePercentage }} of its packets/connects for
                10 minutes (threshold %s).
              ||| % u.percent(a.HermesPacketLoss.threshold)),

        alert('HermesTLSCertificateExpiring',
              'warning',
              |||
                (hermes_tls_cert_expiry_timestamp_seconds%s > 0) - time() < %s * 86400
              ||| % [s(), u.num(a.HermesTLSCertificateExpiring.warningDays)],
              'TLS certificate seen by {{ $labels.probe }} expires in {{ $value | humanizeDuration }}',
              |||
                The TLS certificate presented to probe {{ $labels.probe }} on
                {{ $labels.instance }} (job {{ $labels.job }}) expires in
                {{ $value | humanizeDuration }} (warning below %s days).
              ||| % u.num(a.HermesTLSCertificateExpiring.warningDays)),

        alert('HermesTLSCertificateExpiring',
              'critical',
              |||
                (hermes_tls_cert_expiry_timestamp_seconds%s > 0) - time() < %s * 86400
              ||| % [s(), u.num(a.HermesTLSCertificateExpiring.criticalDays)],
              'TLS certificate seen by {{ $labels.probe }} expires in {{ $value | humanizeDuration }}',
              |||
                The TLS certificate presented to probe {{ $labels.probe }} on
                {{ $labels.instance }} (job {{ $labels.job }}) expires in
                {{ $value | humanizeDuration }} (critical below %s days; a negative value
                means it has already expired).
              ||| % u.num(a.HermesTLSCertificateExpiring.criticalDays)),
      ]),
    ]),
  },
}
