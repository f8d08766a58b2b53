// Recording rules (Prometheus >= 2.42), generated into alerts/hermes-recording.yml.
//
// Names follow level:metric:operations. The level names the labels a rule keeps
// besides the target labels (job, instance, ...): "probe", "probe_direction",
// "probe_load", "probe_reason", "instance_direction".
//
// The shipped dashboards and alerts query raw hermes_* metrics and work without these
// rules. They are for long-term storage (downsampled/federated views, SLO reports) and
// for ad-hoc queries; histogram quantiles use a 1h window because probes run at most
// once per interval (often minutes), so a 5m window is usually empty.
local u = import 'lib/util.libsonnet';

{
  local cfg = $._config,
  local s(extra=[]) = u.sel([cfg.hermesSelector] + extra),
  local on(extra=[]) = 'on (' + std.join(', ', cfg.clusterLabels + ['job', 'instance'] + extra) + ')',
  local rule(record, expr) = { record: record, expr: expr },

  prometheusRules+:: {
    groups+: [{
      name: 'hermes-recording',
      interval: cfg.recordingRulesInterval,
      rules: [
        // Fraction of the last hour during which the last completed run was a success.
        rule('probe:hermes_probe_success:avg_over_time1h',
             'avg_over_time(hermes_probe_success%s[1h])' % s()),

        // Fraction of the runs completed in the last hour that succeeded (NaN when the
        // probe did not run in that hour).
        rule('probe:hermes_probe_success:ratio_rate1h', |||
          1 - (
            sum without (reason) (increase(hermes_probe_failures_total%(s)s[1h]))
            / increase(hermes_probe_runs_total%(s)s[1h])
          )
        ||| % { s: s() }),

        rule('probe_reason:hermes_probe_failures:rate5m',
             'rate(hermes_probe_failures_total%s[5m])' % s()),

        rule('probe_reason:hermes_probe_skipped:increase1h',
             'increase(hermes_probe_skipped_total%s[1h])' % s()),

        // Seconds since the last successful run; before the first success, since the
        // process start.
        rule('probe:hermes_probe_seconds_since_last_success', |||
          time()
          - (
              hermes_probe_last_success_timestamp_seconds%(s)s > 0
              or %(onp)s
              hermes_probe_last_success_timestamp_seconds%(s)s * 0
                + %(on)s group_left process_start_time_seconds%(s)s
            )
        ||| % { s: s(), on: on(), onp: on(['probe']) }),

        // Throughput of the last successful run in bits per second (0 before the first).
        rule('probe_direction:hermes_throughput_bits_per_second',
             'hermes_throughput_bytes_per_second%s * 8' % s()),

        // Measured / expected throughput (only for probes with `expect`).
        rule('probe_direction:hermes_throughput_vs_expected:ratio', |||
          (hermes_throughput_bytes_per_second%(s)s > 0)
          / (hermes_expected_throughput_bytes_per_second%(s)s > 0)
        ||| % { s: s() }),

        // Loaded minus idle median latency (bufferbloat), per loaded direction.
        rule('probe_load:hermes_loaded_latency_increase_seconds', |||
          (hermes_latency_seconds%s > 0)
          - ignoring (load) group_left ()
          (hermes_latency_seconds%s > 0)
        ||| % [s(['load=~"download|upload"']), s(['load="idle"'])]),
      ] + [
        rule('probe_load:hermes_rtt_seconds:p%d_rate1h' % (q * 100),
             'histogram_quantile(%s, rate(hermes_rtt_seconds_bucket%s[1h]))' % [u.num(q), s()])
        for q in [0.5, 0.9, 0.99]
      ] + [
        // Idle loss over the last hour from the packet counters.
        rule('probe:hermes_packet_loss:ratio_rate1h', |||
          sum without (load) (increase(hermes_packets_lost_total%(s)s[1h]))
          / (sum without (load) (increase(hermes_packets_sent_total%(s)s[1h])) > 0)
        ||| % { s: s(['load="idle"']) }),

        rule('probe_direction:hermes_transferred_bytes:increase1d',
             'increase(hermes_transferred_bytes_total%s[1d])' % s()),
        rule('instance_direction:hermes_transferred_bytes:increase1d',
             'sum without (probe) (increase(hermes_transferred_bytes_total%s[1d]))' % s()),
      ],
    }],
  },
}
