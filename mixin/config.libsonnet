// The mixin's settings. Override any of them in your own jsonnet:
//
//   (import 'mixin/mixin.libsonnet') + {
//     _config+:: {
//       hermesSelector: 'job="netmon"',
//       alerts+: {
//         HermesBufferbloat+: { threshold: 0.05 },
//         HermesPacketLoss+: { enabled: false },
//       },
//     },
//   }
//
// Durations are Prometheus durations ("5m", "1h"); thresholds are in base units
// (seconds, ratios 0-1, per second). Every alert takes `enabled` (default true), `for`
// and, where it has one, `threshold` (or the named thresholds below).
{
  _config+:: {
    // Label matchers added to every hermes_* and process_* selector of the rules and
    // dashboards, e.g. 'job="hermes", cluster="eu-1"'. Empty: every series of that
    // name, whatever job scrapes it.
    hermesSelector: '',

    // Matchers that pick hermes exporters' `up` series (up carries no hermes_ name).
    // HermesExporterDown also fires for a target under any job name that exposed
    // hermes_build_info within `exporterLookback`.
    upSelector: 'job=~".*hermes.*", job!~".*hermes[-_]target.*"',
    exporterLookback: '1d',

    // Labels that tell apart Prometheus servers, clusters or sites whose series meet in
    // one store (for example the external label `site` that each site's Prometheus
    // agent adds before remote-writing to a central Prometheus): ['site']. They join
    // job and instance in every on(...) match, so that two sites with the same instance
    // name never collide, and HermesExporterAbsent fires per job and site.
    clusterLabels: [],

    // runbook_url of every alert; %s is the alert name in lower case.
    runbookURLPattern: 'https://github.com/hermes-exporter/hermes/blob/main/README.md#runbook-%s',

    // Evaluation interval of the recording-rule group.
    recordingRulesInterval: '1m',

    alerts: {
      HermesExporterDown: { 'for': '5m' },
      HermesExporterAbsent: { 'for': '15m' },
      HermesConfigReloadFailed: { 'for': '10m' },
      // Failed authentications per second (rate over 5m).
      HermesAuthFailuresSpike: { 'for': '10m', threshold: 0.2 },
      HermesConnectionsRejected: { 'for': '15m' },
      // Share of global.max_series in use.
      HermesSeriesBudgetNearlyUsed: { 'for': '15m', threshold: 0.9 },
      // p90 of the probe start lag, seconds (over 10m).
      HermesSchedulerLag: { 'for': '15m', threshold: 2 },
      HermesProbeFailing: { 'for': '5m' },
      // Probe intervals without a successful run.
      HermesProbeStale: { 'for': '5m', intervals: 2 },
      // Share of the last hour's scheduled runs skipped, per reason.
      HermesProbeSkipped: { 'for': '15m', threshold: 0.1 },
      HermesThroughputBelowExpected: { 'for': '30m' },
      HermesLatencyAboveExpected: { 'for': '30m' },
      // RPM (total, confidence medium or better) below the probe's expect.rpm.
      HermesResponsivenessBelowExpected: { 'for': '30m' },
      // Loaded minus idle median latency, seconds.
      HermesBufferbloat: { 'for': '30m', threshold: 0.1 },
      // Lost / sent over 10m.
      HermesPacketLoss: { 'for': '10m', threshold: 0.05 },
      // Days left on a probed certificate: warning and critical.
      HermesTLSCertificateExpiring: { 'for': '15m', warningDays: 14, criticalDays: 3 },
    },

    dashboards: {
      refresh: '1m',
      timeFrom: 'now-24h',
      tags: ['hermes'],
    },
  },
}
