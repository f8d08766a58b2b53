// Every file generated from the mixin, keyed by its path in the repository:
//   jsonnet -S -m <repo root> mixin/build.jsonnet      (scripts/mixin.sh does this)
// The Helm chart gets copies of the same text in helm/hermes-exporter/files/ because
// helm can only read files inside the chart.
local u = import 'lib/util.libsonnet';
local mixin = import 'mixin.libsonnet';

local header(what) = |||
  # %s
  # Generated from mixin/ by scripts/mixin.sh; do not edit (see the README,
  # "Alerts, dashboards and runbook").
||| % what;

local alerts = header('hermes alerting rules (Prometheus >= 2.42).') + u.yaml(mixin.prometheusAlerts);
local recording = header('hermes recording rules (Prometheus >= 2.42).') + u.yaml(mixin.prometheusRules);

// Each text once: the chart gets the same strings.
local dashboards = {
  [name]: u.json(mixin.grafanaDashboards[name]) + '\n'
  for name in std.objectFields(mixin.grafanaDashboards)
};

{
  'alerts/hermes-alerts.yml': alerts,
  'alerts/hermes-recording.yml': recording,
  'helm/hermes-exporter/files/hermes-alerts.yml': alerts,
  'helm/hermes-exporter/files/hermes-recording.yml': recording,
} + {
  [dir + name]: dashboards[name]
  for name in std.objectFields(dashboards)
  for dir in ['dashboards/', 'helm/hermes-exporter/files/dashboards/']
}
