// The hermes monitoring mixin: Prometheus alerts and recording rules and Grafana
// dashboards for hermes-exporter, customisable through _config (config.libsonnet).
// It follows the usual mixin shape (prometheusAlerts, prometheusRules,
// grafanaDashboards), so tools that consume mixins can import it directly.
(import 'config.libsonnet') +
(import 'alerts.libsonnet') +
(import 'rules.libsonnet') +
(import 'dashboards.libsonnet')
