// Grafana dashboards, generated into dashboards/*.json (the file name is the key).
{
  grafanaDashboards+:: {
    'hermes-overview.json': (import 'dashboards/overview.libsonnet')($._config),
    'hermes-exporter.json': (import 'dashboards/exporter.libsonnet')($._config),
  },
}
