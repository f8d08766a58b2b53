// Dashboard hermes-overview: network quality per probe.
local g = import '../lib/grafana.libsonnet';
local u = import '../lib/util.libsonnet';

function(cfg)
  local base = g.matchers(cfg);
  // {<hermesSelector>, job=~"$job", instance=~"$instance", probe=~"$probe"[, extra]}
  local sel(extra='') = u.sel(base + ['probe=~"$probe"', extra]);
  local isel(extra='') = u.sel(base + [extra]);
  local t = g.target;
  local a = cfg.alerts;
  local day = 86400;
  local pi = '{{probe}} ({{instance}})';

  g.dashboard(
    'hermes-overview',
    'hermes / Network quality',
    'Throughput, latency, bufferbloat, jitter, loss, failures, phases and data used, '
    + 'per probe, as measured by hermes.',
    [
      g.row('Status'),
      g.stat('Last run',
             [t('hermes_probe_success%s' % sel(), pi, instant=true)],
             'none',
             'Result of the last completed run of each probe (hermes_probe_success).',
             thr=[[null, 'red'], [1, 'green']],
             mappings=g.okFail) + g.size(8, 5),
      g.bargauge('Success over the time range',
                 [t('avg_over_time(hermes_probe_success%s[$__range])' % sel(), pi, instant=true)],
                 'percentunit',
                 'Share of the selected time range during which the last completed run '
                 + 'was successful.',
                 thr=[[null, 'red'], [0.9, 'orange'], [0.99, 'green']],
                 min=0,
                 max=1) + g.size(8, 5),
      g.bargauge('Time since last success',
                 [t('time() - (hermes_probe_last_success_timestamp_seconds%s > 0)' % sel(),
                    pi,
                    instant=true)],
                 's',
                 "Seconds since each probe's last successful run (probes that never "
                 + 'succeeded are not shown). Compare with the probe interval: the '
                 + 'HermesProbeStale alert fires above %s intervals.' % u.num(a.HermesProbeStale.intervals),
                 thr=[[null, 'green'], [1800, 'orange'], [3600, 'red']],
                 min=0) + g.size(8, 5),

      g.row('Throughput'),
    ] + [
      g.timeseries('%s throughput' % (std.asciiUpper(d[0]) + d[1:]),
                   [
                     t('(hermes_throughput_bytes_per_second%s > 0) * 8' % sel('direction="%s"' % d), pi),
                     t('hermes_expected_throughput_bytes_per_second%s * 8' % sel('direction="%s"' % d),
                       '{{probe}} ({{instance}}) expected',
                       ref='B'),
                   ],
                   'bps',
                   if d == 'download' then
                     'Download throughput of the last successful run (bytes after warm-up / '
                     + "time after warm-up, x8). Dashed: the probe's `expect.download`."
                   else
                     "Upload throughput of the last successful run (x8). Dashed: the probe's "
                     + '`expect.upload`.',
                   overrides=[g.dashed('.* expected$')],
                   min=0) + g.size(12, 9)
      for d in ['download', 'upload']
    ] + [
      g.heatmap('%s throughput samples (100 ms)' % (std.asciiUpper(d[0]) + d[1:]),
                'sum by (le) (increase(hermes_throughput_sample_bytes_per_second_bucket%s[$__rate_interval]))'
                % sel('direction="%s"' % d),
                'Bps',
                if d == 'download' then
                  'Distribution of 100 ms throughput samples during downloads (bytes/s). '
                  + 'A wide spread means an unstable link.'
                else 'Distribution of 100 ms throughput samples during uploads (bytes/s).')
      + g.size(12, 8)
      for d in ['download', 'upload']
    ] + [
      g.row('Latency'),
      g.timeseries('Idle and loaded latency (median)',
                   [
                     t('hermes_latency_seconds%s > 0' % sel(), '{{probe}} {{load}} ({{instance}})'),
                     t('hermes_expected_latency_seconds%s' % sel(),
                       '{{probe}} ({{instance}}) expected',
                       ref='B'),
                   ],
                   's',
                   'Median RTT of the last successful run: idle, and while downloading / '
                   + "uploading (loaded). Dashed: the probe's `expect.latency`.",
                   overrides=[g.dashed('.* expected$')],
                   min=0) + g.size(12, 9),
      g.timeseries('Loaded latency increase (bufferbloat)',
                   [t('(hermes_latency_seconds%s > 0) - ignoring (load) group_left () (hermes_latency_seconds%s > 0)'
                      % [sel('load=~"download|upload"'), sel('load="idle"')],
                      '{{probe}} {{load}} ({{instance}})')],
                   's',
                   'Median latency under load minus idle median. The HermesBufferbloat '
                   + 'alert fires above %s (red line).' % u.seconds(a.HermesBufferbloat.threshold),
                   thr=[[null, 'green'], [a.HermesBufferbloat.threshold, 'red']],
                   thrStyle='line')
      + g.size(12, 9),
      g.timeseries('Jitter',
                   [t('hermes_jitter_seconds%s' % sel(), '{{probe}} {{load}} ({{instance}})')],
                   's',
                   'Mean absolute difference of consecutive RTT samples of the last '
                   + 'successful run.',
                   min=0) + g.size(12, 8),
      g.timeseries('RTT (p50 / p90 / p99, idle)',
                   [
                     t('histogram_quantile(%s, sum by (probe, le) (rate(hermes_rtt_seconds_bucket%s[$__rate_interval])))'
                       % [q[0], sel('load="idle"')], '{{probe}} %s' % q[1], ref=q[2])
                     for q in [['0.5', 'p50', 'A'], ['0.9', 'p90', 'B'], ['0.99', 'p99', 'C']]
                   ],
                   's',
                   'Quantiles of every idle RTT sample (connects for tcp, echo replies for '
                   + 'icmp) from the RTT histogram. Gaps: no run in that interval.',
                   min=0) + g.size(12, 8),
      g.heatmap('RTT heatmap (idle)',
                'sum by (le) (increase(hermes_rtt_seconds_bucket%s[$__rate_interval]))' % sel('load="idle"'),
                's',
                'Every idle RTT sample of the selected probes.') + g.size(12, 8),
      g.heatmap('RTT heatmap (under load)',
                'sum by (le) (increase(hermes_rtt_seconds_bucket%s[$__rate_interval]))'
                % sel('load=~"download|upload"'),
                's',
                'Every RTT sample taken while a speed test saturated the link.') + g.size(12, 8),

      g.row('Responsiveness (RPM)'),
      g.timeseries('Responsiveness under load (RPM)',
                   [
                     t('hermes_responsiveness_rpm%s > 0' % sel('component="total"'),
                       '{{probe}} {{direction}} ({{instance}})'),
                     t('hermes_expected_responsiveness_rpm%s' % sel(), '{{probe}} ({{instance}}) expected', ref='B'),
                   ],
                   'none',
                   'Round trips per minute while the link is loaded in each direction '
                   + '(draft-ietf-ippm-responsiveness: the mean of the foreign and loaded '
                   + 'RPM of the last successful run). Higher is better: under 300 poor, '
                   + "1000 fair, 6000 good. Dashed: the probe's `expect.rpm` "
                   + '(HermesResponsivenessBelowExpected).',
                   overrides=[g.dashed('.* expected$')],
                   min=0) + g.size(12, 9),
      g.timeseries('RPM by component',
                   [t('hermes_responsiveness_rpm%s > 0' % sel('component=~"foreign|loaded"'),
                      '{{probe}} {{direction}} {{component}} ({{instance}})')],
                   'none',
                   'foreign: new connections (TCP handshake, TLS round trip, request); '
                   + 'loaded: requests on the load-generating connections (self probes). '
                   + "Loaded below foreign: the loaded connections' own queues (TCP loss "
                   + 'recovery, sender buffers) add delay.',
                   min=0) + g.size(12, 9),
      g.timeseries('Round trips behind the RPM',
                   [t('hermes_responsiveness_component_seconds%s > 0' % sel(),
                      '{{probe}} {{direction}} {{component}} ({{instance}})')],
                   's',
                   'Trimmed means (largest 5 % dropped) of the final window: tcp, tls '
                   + '(per handshake round trip) and http of the foreign probes, self of '
                   + 'the probes on the loaded connections.',
                   min=0) + g.size(12, 8),
      g.stat('Confidence',
             [t('hermes_responsiveness_confidence%s' % sel(), '{{probe}} {{direction}} ({{instance}})', instant=true)],
             'none',
             "The draft's confidence of the last result: high = goodput and "
             + 'responsiveness were stable; medium = 4 intervals measured but not stable; '
             + 'low = fewer (cut short by max_duration or max_bytes).',
             thr=[[null, 'red'], [1, 'orange'], [2, 'green']],
             mappings=g.confidence) + g.size(12, 8),

      g.row('Loss and failures'),
      g.timeseries('Packet loss',
                   [
                     t('hermes_packet_loss_ratio%s' % sel(), '{{probe}} {{load}} last run ({{instance}})'),
                     t('increase(hermes_packets_lost_total%s[$__rate_interval]) / (increase(hermes_packets_sent_total%s[$__rate_interval]) > 0)'
                       % [sel(), sel()], '{{probe}} {{load}} ({{instance}})', ref='B'),
                   ],
                   'percentunit',
                   "Lost / sent echo requests (icmp), STAMP packets (stamp, a speedtest's "
                   + 'loaded_stamp) or failed / attempted connects (tcp): per last run and from '
                   + "the counters, idle and under a speed test's load. The HermesPacketLoss "
                   + 'alert fires above %s idle loss.' % u.percent(a.HermesPacketLoss.threshold),
                   thr=[[null, 'green'], [a.HermesPacketLoss.threshold, 'red']],
                   thrStyle='line',
                   min=0)
      + g.size(12, 8),
      g.timeseries('Packet loss by direction (STAMP)',
                   [t('increase(hermes_packets_lost_one_way_total%s[$__rate_interval])'
                      % sel()
                      + ' / ignoring (direction) group_left ()'
                      + ' (increase(hermes_packets_sent_total%s[$__rate_interval]) > 0)' % sel(),
                      '{{probe}} {{load}} {{direction}} ({{instance}})')],
                   'percentunit',
                   'Where STAMP packets were lost: upload = on the way to the reflector, '
                   + "download = on the way back, idle and under each direction's load. Needs "
                   + 'a stateful reflector; losses without a direction only show in Packet loss.',
                   min=0) + g.size(12, 8),
      g.timeseries('One-way jitter (STAMP IPDV)',
                   [t('hermes_jitter_one_way_seconds%s' % sel(),
                      '{{probe}} {{load}} {{direction}} ({{instance}})')],
                   's',
                   'Mean absolute delay variation between consecutive STAMP packets of the '
                   + 'last successful run, per direction (no clock synchronisation needed), '
                   + "idle and under a speed test's load.",
                   min=0) + g.size(12, 8),
      g.timeseries('Duplicated and reordered (STAMP)',
                   [
                     t('increase(hermes_packets_duplicated_total%s[$__rate_interval])' % sel(),
                       '{{probe}} {{load}} duplicated'),
                     t('increase(hermes_packets_reordered_total%s[$__rate_interval])' % sel(),
                       '{{probe}} {{load}} reordered', ref='B'),
                   ],
                   'short',
                   'STAMP replies received more than once, and packets whose reply came after '
                   + "a later packet's.",
                   stack=true,
                   bars=true,
                   min=0,
                   legendCalcs=['sum']) + g.size(12, 8),
      g.timeseries('Failures by reason',
                   [t('sum by (probe, reason) (increase(hermes_probe_failures_total%s[$__rate_interval]))' % sel(),
                      '{{probe}} {{reason}}')],
                   'short',
                   'Failed runs per reason (dns, connect, tls, timeout, http_status, '
                   + 'rate_limited, network, protocol, unknown).',
                   stack=true,
                   bars=true,
                   min=0,
                   legendCalcs=['sum']) + g.size(12, 8),
      g.bargauge('Failed runs by reason (time range)',
                 [t('sum by (probe, reason) (increase(hermes_probe_failures_total%s[$__range])) > 0' % sel(),
                    '{{probe}} {{reason}}',
                    instant=true)],
                 'short',
                 'Failed runs in the selected time range (reasons with failures only).',
                 thr=[[null, 'orange']],
                 min=0) + g.size(12, 6),
      g.stat('HTTP status code',
             [t('hermes_http_status_code%s' % sel(), pi, instant=true)],
             'none',
             'Status code of the last response of http and speedtest probes.',
             thr=[[null, 'red'], [200, 'green'], [300, 'orange'], [400, 'red']],
             colorMode='value') + g.size(12, 6),

      g.row('Phases'),
      g.timeseries('Phases: $probe',
                   [t('hermes_probe_phase_duration_seconds%s' % sel(), '{{phase}} ({{instance}})')],
                   's',
                   'Duration of each phase of the last successful run (resolve, connect, '
                   + 'tls, processing = request sent to first byte, transfer), stacked.',
                   stack=true,
                   min=0)
      + { repeat: 'probe', repeatDirection: 'h', maxPerRow: 3 } + g.size(8, 8),
      g.timeseries('Probe duration (mean per run, 1h window)',
                   [t('increase(hermes_probe_duration_seconds_sum%s[1h]) / (increase(hermes_probe_duration_seconds_count%s[1h]) > 0)'
                      % [sel(), sel()], pi)],
                   's',
                   'Mean wall-clock duration of a run over the last hour.',
                   min=0) + g.size(24, 8),

      g.row('Data and certificates'),
      g.timeseries('Data moved per day',
                   [t('sum by (probe, direction) (increase(hermes_transferred_bytes_total%s[1d]))' % sel(),
                      '{{probe}} {{direction}}',
                      interval='1d')],
                   'decbytes',
                   'Bytes the probes moved in each day (one bar per day).',
                   stack=true,
                   bars=true,
                   min=0,
                   legendCalcs=['mean', 'max']) + g.size(12, 8),
      g.stat('Data moved in time range',
             [
               t('sum by (direction) (increase(hermes_transferred_bytes_total%s[$__range]))' % sel(),
                 '{{direction}}',
                 instant=true),
               t('hermes_data_budget_projected_bytes%s' % isel(),
                 'worst case per 30 days ({{instance}})',
                 ref='B',
                 instant=true),
             ],
             'decbytes',
             'Bytes moved in the selected time range, and the configured worst case per '
             + '30 days (hermes_data_budget_projected_bytes).',
             colorMode='value') + g.size(6, 8),
      g.bargauge('TLS certificate time left',
                 [t('(hermes_tls_cert_expiry_timestamp_seconds%s > 0) - time()' % sel(), pi, instant=true)],
                 's',
                 'Time until the certificate presented to each http/speedtest probe '
                 + 'expires. Alerts: warning below %s days, critical below %s days.'
                   % [
                     u.num(a.HermesTLSCertificateExpiring.warningDays),
                     u.num(a.HermesTLSCertificateExpiring.criticalDays),
                   ],
                 thr=[
                   [null, 'red'],
                   [a.HermesTLSCertificateExpiring.criticalDays * day, 'orange'],
                   [a.HermesTLSCertificateExpiring.warningDays * day, 'green'],
                 ]) + g.size(6, 8),
    ],
    cfg.dashboards.tags + ['network'],
    cfg,
  )
