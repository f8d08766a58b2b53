// Dashboard hermes-exporter: health of the exporters themselves.
local g = import '../lib/grafana.libsonnet';
local u = import '../lib/util.libsonnet';

function(cfg)
  local base = g.matchers(cfg);
  local sel(extra='') = u.sel(base + ['probe=~"$probe"', extra]);
  local isel(extra='') = u.sel(base + [extra]);
  local t = g.target;
  local a = cfg.alerts;
  local quantiles(expr, legend) = [
    t(expr % q[0], legend % q[1], ref=q[2])
    for q in [['0.5', 'p50', 'A'], ['0.9', 'p90', 'B'], ['0.99', 'p99', 'C']]
  ];

  g.dashboard(
    'hermes-exporter',
    'hermes / Exporter health',
    'Health of the hermes exporters themselves: scrapes, auth, connections, '
    + 'config reloads, series budget, resources and scheduler.',
    [
      g.row('Process'),
      g.table('Build',
              [t('hermes_build_info%s' % isel(), '', instant=true, format='table')],
              'Version, revision and compiler of each exporter.',
              transformations=[{ id: 'organize', options: {
                excludeByName: { Time: true, Value: true, __name__: true },
                indexByName: {},
                renameByName: {},
              } }]) + g.size(12, 5),
      g.stat('Uptime',
             [t('time() - process_start_time_seconds%s' % isel(), '{{instance}}', instant=true)],
             's',
             'Time since the exporter process started.',
             colorMode='value') + g.size(4, 5),
      g.stat('Config reload',
             [t('hermes_config_last_reload_successful%s' % isel(), '{{instance}}', instant=true)],
             'none',
             'Whether the last configuration reload succeeded (HermesConfigReloadFailed).',
             thr=[[null, 'red'], [1, 'green']],
             mappings=g.okFail) + g.size(4, 5),
      g.stat('Last successful reload',
             [t('hermes_config_last_reload_success_timestamp_seconds%s * 1000' % isel(),
                '{{instance}}',
                instant=true)],
             'dateTimeAsIso',
             'When the configuration was last loaded successfully.',
             colorMode='none') + g.size(4, 5),

      g.row('HTTP listener'),
      g.timeseries('Requests by handler and code',
                   [t('sum by (instance, handler, code) (rate(hermes_http_requests_total%s[$__rate_interval])) > 0'
                      % isel(), '{{handler}} {{code}} ({{instance}})')],
                   'reqps',
                   'Request rate per handler and status code (non-zero only).',
                   min=0)
      + g.size(12, 8),
      g.timeseries('Request latency by handler',
                   [
                     t('histogram_quantile(%s, sum by (handler, le) (rate(hermes_http_request_duration_seconds_bucket%s[$__rate_interval])))'
                       % [q[0], isel()], '{{handler}} %s' % q[1], ref=q[2])
                     for q in [['0.5', 'p50', 'A'], ['0.99', 'p99', 'B']]
                   ],
                   's',
                   'Scrape (handler=metrics) and other request latency. A scrape only '
                   + 'renders the latest results and must stay fast.',
                   min=0) + g.size(12, 8),
      g.timeseries('Auth failures by reason',
                   [t('sum by (instance, reason) (rate(hermes_http_auth_failures_total%s[$__rate_interval]))'
                      % isel(), '{{reason}} ({{instance}})')],
                   'reqps',
                   'Requests rejected for missing, malformed or invalid credentials. '
                   + 'HermesAuthFailuresSpike fires above %s/s.'
                     % u.num(a.HermesAuthFailuresSpike.threshold),
                   thr=[[null, 'green'], [a.HermesAuthFailuresSpike.threshold, 'red']],
                   thrStyle='line',
                   min=0) + g.size(8, 8),
      g.timeseries('Open connections',
                   [t('hermes_http_connections%s' % isel(), '{{instance}}')],
                   'short',
                   'Open HTTP connections (cap: --web.max-connections).',
                   min=0) + g.size(8, 8),
      g.timeseries('Rejected connections by reason',
                   [t('sum by (instance, reason) (rate(hermes_http_connections_rejected_total%s[$__rate_interval]))'
                      % isel(), '{{reason}} ({{instance}})')],
                   'cps',
                   'Connections refused by the total/per-IP caps or failed TLS '
                   + 'handshakes.',
                   min=0) + g.size(8, 8),

      g.row('Resources'),
      g.timeseries('Series vs limit',
                   [
                     t('hermes_metrics_series%s' % isel(), 'series ({{instance}})'),
                     t('hermes_metrics_series_limit%s' % isel(), 'limit ({{instance}})', ref='B'),
                   ],
                   'short',
                   'Exported series and global.max_series. '
                   + 'HermesSeriesBudgetNearlyUsed fires above %s.'
                     % u.percent(a.HermesSeriesBudgetNearlyUsed.threshold),
                   overrides=[g.dashed('^limit.*')],
                   min=0) + g.size(8, 8),
      g.timeseries('Memory (RSS)',
                   [t('process_resident_memory_bytes%s' % isel(), '{{instance}}')],
                   'bytes',
                   'Resident memory of the exporter.',
                   min=0) + g.size(8, 8),
      g.timeseries('CPU',
                   [t('rate(process_cpu_seconds_total%s[$__rate_interval])' % isel(), '{{instance}}')],
                   'percentunit',
                   'CPU used (1 = 100% of one core). Speed tests use CPU '
                   + 'while they run.',
                   min=0) + g.size(8, 8),
      g.timeseries('File descriptors',
                   [
                     t('process_open_fds%s' % isel(), 'open ({{instance}})'),
                     t('process_max_fds%s' % isel(), 'max ({{instance}})', ref='B'),
                   ],
                   'short',
                   'Open file descriptors (sockets included) and the limit.',
                   overrides=[g.dashed('^max.*')],
                   min=0) + g.size(8, 8),
      g.timeseries('Data budget (worst case per 30 days)',
                   [t('hermes_data_budget_projected_bytes%s' % isel(), '{{instance}}')],
                   'decbytes',
                   'Worst-case bytes per 30 days the configuration can move '
                   + '(compare with global.monthly_data_budget).',
                   min=0) + g.size(8, 8),

      g.row('Scheduler'),
      g.timeseries('Start lag (p50 / p90 / p99)',
                   quantiles('histogram_quantile(%%s, sum by (instance, le) (rate(hermes_scheduler_start_lag_seconds_bucket%s[$__rate_interval])))'
                             % isel(), '%s ({{instance}})'),
                   's',
                   'Actual minus planned start of probe runs. HermesSchedulerLag fires '
                   + 'when p90 stays above %s.' % u.seconds(a.HermesSchedulerLag.threshold),
                   thr=[[null, 'green'], [a.HermesSchedulerLag.threshold, 'red']],
                   thrStyle='line',
                   min=0) + g.size(12, 8),
      g.heatmap('Start lag heatmap',
                'sum by (le) (increase(hermes_scheduler_start_lag_seconds_bucket%s[$__rate_interval]))' % isel(),
                's',
                'Distribution of probe start lag.') + g.size(12, 8),
      g.timeseries('Runs per probe',
                   [t('sum by (probe) (increase(hermes_probe_runs_total%s[$__rate_interval]))' % sel(),
                      '{{probe}}')],
                   'short',
                   'Completed runs (successful or failed).',
                   bars=true,
                   min=0,
                   legendCalcs=['sum']) + g.size(12, 8),
      g.timeseries('Skipped runs by reason',
                   [t('sum by (probe, reason) (increase(hermes_probe_skipped_total%s[$__rate_interval]))' % sel(),
                      '{{probe}} {{reason}}')],
                   'short',
                   'Runs not started: overrun (previous run still going), '
                   + 'bandwidth_busy (another speed test running), retry_after (target asked '
                   + 'to back off), budget (data budget used up).',
                   stack=true,
                   bars=true,
                   min=0,
                   legendCalcs=['sum']) + g.size(12, 8),
    ],
    cfg.dashboards.tags + ['exporter'],
    cfg,
  )
