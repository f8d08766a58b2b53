"""A real Prometheus with native histograms enabled scrapes hermes in protobuf.

Prometheus started with --enable-feature=native-histograms asks for the protobuf
exposition; hermes answers with every histogram as a native (sparse exponential)
histogram next to its classic buckets. The samples come from a speedtest probe's
idle latency against a hermes-target that delays every answer by 20 ms, so every
RTT sample is ~20 ms. Checked through Prometheus' query API:

  - histogram_count() and histogram_sum() of the native RTT histogram equal the
    _count and _sum hermes serves in the text format (same samples, same sum);
  - histogram_quantile(0.5, ...) over the native RTT histogram lies within one native
    bucket (factor 2^(1/8)) of the median hermes measured (hermes_latency_seconds);
  - the probe-duration histogram is native too (one run).

A scraper that asks for text (or asks for nothing) still gets the same text page.
"""
import shutil
import unittest

from harness import Harness, binary, free_port, parse_metrics, metric, wait_for

SAMPLES = 20
DELAY_S = 0.020
BUCKET_FACTOR = 2 ** (1 / 8)  # width of a native bucket at hermes' schema 3

HERMES_CONFIG = """
global:
  scrape_interval: 1s
  instance: e2e
probes:
  - name: delayed
    kind: speedtest
    url: "http://127.0.0.1:{target_port}"
    interval: 1h
    timeout: 20s
    latency: {{samples: {samples}}}
    download: {{enabled: false}}
    upload: {{enabled: false}}
"""

PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: hermes
    scheme: https
    tls_config: {{ca_file: {dir}/ca.crt}}
    authorization: {{credentials_file: {dir}/token}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""

# What Prometheus 2.4x sends without native histograms: text preferred.
TEXT_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
               "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
PROTO_ACCEPT = ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2")


def stable_lines(text):
    """The page without the series that change with every request."""
    return [l for l in text.splitlines()
            if not l.startswith(("hermes_http_", "process_", "# HELP process_",
                                 "# TYPE process_"))]


class NativeHistogramTest(Harness):
    def scalar(self, expr):
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def test_prometheus_stores_native_histograms(self):
        if not shutil.which("prometheus"):
            self.fail("prometheus is not installed (scripts/deps.sh test installs it)")
        self.setup_tls_and_token()
        target_port = free_port()
        self.start("hermes-target", [
            binary("hermes-target"), "--web.listen-address", f"127.0.0.1:{target_port}",
            f"--test.response-delay={int(DELAY_S * 1000)}ms"])
        self.start_exporter(HERMES_CONFIG.format(target_port=target_port, samples=SAMPLES),
                            extra=["--web.enable-lifecycle"])
        wait_for(lambda: self.get("/-/trigger?probe=delayed", method="POST").status == 202,
                 timeout=15, what="trigger accepted (hermes-target up)")
        wait_for(lambda: metric(parse_metrics(self.get("/metrics").text()),
                                "hermes_probe_runs_total", probe="delayed") == 1,
                 timeout=30, what="one run of the delayed speedtest")
        text = self.get("/metrics").text()
        m = parse_metrics(text)
        self.assertEqual(metric(m, "hermes_probe_success", probe="delayed"), 1, text)
        count = metric(m, "hermes_rtt_seconds_count", probe="delayed", load="idle")
        total = metric(m, "hermes_rtt_seconds_sum", probe="delayed", load="idle")
        median = metric(m, "hermes_latency_seconds", probe="delayed", load="idle")
        self.assertEqual(count, SAMPLES)
        self.assertGreater(median, DELAY_S)

        # Text for text scrapers: the same page with and without their Accept header.
        r = self.get("/metrics", headers={"Accept": TEXT_ACCEPT})
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        self.assertEqual(stable_lines(r.text()), stable_lines(text))
        r = self.get("/metrics", headers={"Accept": PROTO_ACCEPT})
        self.assertTrue(r.headers["Content-Type"].startswith("application/vnd.google.protobuf"),
                        r.headers["Content-Type"])

        self.run_prometheus(PROMETHEUS_CONFIG.format(dir=self.dir, port=self.port),
                            extra=["--enable-feature=native-histograms"])
        sel = '{job="hermes",probe="delayed",load="idle"}'
        wait_for(lambda: self.query(f"histogram_count(hermes_rtt_seconds{sel})"), timeout=60,
                 what="a native hermes_rtt_seconds stored in Prometheus")
        stored = self.query(f"hermes_rtt_seconds{sel}")
        self.assertEqual(len(stored), 1, stored)
        self.assertIn("histogram", stored[0], f"not a native histogram: {stored}")
        self.assertEqual(self.scalar(f"histogram_count(hermes_rtt_seconds{sel})"), count)
        self.assertAlmostEqual(self.scalar(f"histogram_sum(hermes_rtt_seconds{sel})"), total,
                               places=12)
        p50 = self.scalar(f"histogram_quantile(0.5, hermes_rtt_seconds{sel})")
        self.assertLess(max(p50 / median, median / p50), BUCKET_FACTOR,
                        f"native p50 {p50} vs measured median {median}")
        self.assertEqual(self.scalar(
            'histogram_count(hermes_probe_duration_seconds{job="hermes",probe="delayed"})'), 1)


if __name__ == "__main__":
    unittest.main()
