"""Accelerated soak: many probes at 1-4 s intervals, scraped continuously.

17 probes (tcp, http and dns every 1-2 s against hermes-target and local fixtures,
including two that always fail, and two small speedtests every 4 s that must share
the bandwidth) run for SOAK_SECONDS (default 75) while a scraper reads /metrics over
TLS with a bearer token four times a second. Every few seconds the exporter's RSS
(/proc/<pid>/status VmRSS) and open fd count (/proc/<pid>/fd) are sampled; both series
are printed. After a warm-up (the first 20% of the samples) the test asserts
  * no RSS growth: median of the last third <= median of the first third x 1.1 + 2 MiB,
  * no fd growth: median of the last third <= median of the first third + 3,
    and the largest value of the last third <= largest of the first third + 8,
  * hermes_metrics_series constant and equal to the samples served, every scrape
    200 and parseable,
  * every probe kept running (runs_total grew in the last third of the soak).
scripts/soak.sh runs this for longer (SOAK_SECONDS=1800 by default).
"""
import os
import ssl
import statistics
import sys
import time
import unittest

from harness import Harness, binary, free_port, metric, parse_metrics
from misbehaving import DnsFixture, HttpFixture
from reload_load_test import Client, count_samples, probe_names, proc_stats

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "75"))
SAMPLE_EVERY = float(os.environ.get("SOAK_SAMPLE_SECONDS", "3" if SOAK_SECONDS <= 300 else "10"))
SCRAPE_EVERY = 0.25
MIB = 1 << 20


class SoakTest(Harness):
    def config(self, target_port, dns_port, silent_url, closed_port):
        t = f"127.0.0.1:{target_port}"
        lines = ["global:", "  scrape_interval: 1s", "probes:"]
        for i in range(7):
            lines.append(f"  - {{name: tcp_{i}, kind: tcp, address: \"{t}\", interval: 1s, "
                         f"timeout: 800ms, samples: 3}}")
        lines.append(f"  - {{name: tcp_closed, kind: tcp, address: \"127.0.0.1:{closed_port}\", "
                     f"interval: 1s, timeout: 800ms, samples: 2}}")
        for i in range(5):
            lines.append(f"  - {{name: http_{i}, kind: http, "
                         f"url: \"http://{t}/__down?bytes={1000 * (i + 1)}\", interval: 1s, "
                         f"timeout: 800ms}}")
        lines.append(f"  - {{name: http_silent, kind: http, url: \"{silent_url}\", interval: 2s, "
                     f"timeout: 900ms}}")
        lines.append(f"  - {{name: dns_0, kind: dns, query: example.com, type: A, "
                     f"server: \"127.0.0.1:{dns_port}\", interval: 1s, timeout: 800ms}}")
        for i in range(2):
            lines += [f"  - name: speed_{i}", "    kind: speedtest", f"    url: \"http://{t}\"",
                      "    interval: 4s", "    timeout: 3s", "    latency: {samples: 3}",
                      "    download: {streams: 2, duration: 600ms, warmup: 100ms, max_bytes: 8MB}",
                      "    upload: {streams: 1, duration: 600ms, warmup: 100ms, max_bytes: 4MB}"]
        return "\n".join(lines) + "\n"

    def test_soak(self):
        target_port = free_port()
        self.start("target", [binary("hermes-target"), "--web.listen-address",
                              f"127.0.0.1:{target_port}"])
        silent = HttpFixture(mode="silent")
        dns = DnsFixture()
        self.addCleanup(silent.stop)
        self.addCleanup(dns.stop)
        closed_port = free_port()  # nothing listens there: connect refused
        self.setup_tls_and_token()
        p = self.start_exporter(self.config(target_port, dns.port, silent.url, closed_port))
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        client = Client(self.port, ctx)

        failures, series_values, runs_at = [], set(), []
        samples = []  # (t, rss, fds)
        scrapes = 0
        t0 = time.monotonic()
        next_sample = t0
        while time.monotonic() - t0 < SOAK_SECONDS:
            self.assertIsNone(p.poll(), "exporter exited")
            try:
                status, _, body = client.request("GET", "/metrics", self.token)
            except Exception as e:  # noqa: BLE001
                failures.append(repr(e))
                time.sleep(SCRAPE_EVERY)
                continue
            scrapes += 1
            if status != 200:
                failures.append(f"status {status}")
            else:
                text = body.decode()
                m = parse_metrics(text)
                series = metric(m, "hermes_metrics_series")
                series_values.add(series)
                if series != count_samples(text):
                    failures.append(f"series {series} != {count_samples(text)} samples")
                now = time.monotonic()
                if now >= next_sample:
                    rss, fds = proc_stats(p.pid)
                    samples.append((now - t0, rss, fds))
                    runs_at.append((now - t0, {n: metric(m, "hermes_probe_runs_total", probe=n)
                                               for n in probe_names(m)}))
                    next_sample = now + SAMPLE_EVERY
            time.sleep(SCRAPE_EVERY)
        client.close()

        sys.stderr.write(f"\nsoak {SOAK_SECONDS:.0f}s, {scrapes} scrapes, {len(failures)} failed, "
                         f"series {sorted(series_values)}\n  t(s)   RSS(MiB)  fds\n")
        for t, rss, fds in samples:
            sys.stderr.write(f"  {t:6.1f} {rss / MIB:8.2f} {fds:5d}\n")
        last_runs = runs_at[-1][1]
        sys.stderr.write("  runs: " + ", ".join(f"{k}={v:.0f}" for k, v in sorted(last_runs.items()))
                         + "\n")
        m = parse_metrics(self.get("/metrics").text())
        skipped = {(dict(ls)["probe"], dict(ls)["reason"]): v for (n, ls), v in m.items()
                   if n == "hermes_probe_skipped_total" and v}
        sys.stderr.write(f"  skipped: {skipped}\n")

        self.assertEqual(failures, [])
        self.assertEqual(len(series_values), 1, "hermes_metrics_series changed")
        self.assertGreaterEqual(len(samples), 9, "too few samples for a trend")
        warm = samples[len(samples) // 5:]
        third = len(warm) // 3
        first, last = warm[:third], warm[-third:]
        rss_first = statistics.median(s[1] for s in first)
        rss_last = statistics.median(s[1] for s in last)
        self.assertLessEqual(rss_last, rss_first * 1.1 + 2 * MIB,
                             f"RSS grew: {rss_first / MIB:.1f} -> {rss_last / MIB:.1f} MiB")
        fd_first = statistics.median(s[2] for s in first)
        fd_last = statistics.median(s[2] for s in last)
        self.assertLessEqual(fd_last, fd_first + 3, f"fds grew: {fd_first} -> {fd_last}")
        self.assertLessEqual(max(s[2] for s in last), max(s[2] for s in first) + 8)
        # Every probe kept running through the last third (failing ones included).
        start_last = next(r for t, r in runs_at if t >= last[0][0])
        for name, runs in last_runs.items():
            self.assertGreater(runs, start_last[name], f"{name} stopped running")
        self.assertEqual(metric(m, "hermes_probe_success", probe="tcp_closed"), 0)
        for name in ("tcp_0", "http_0", "dns_0", "speed_0", "speed_1"):
            self.assertGreater(metric(m, "hermes_probe_last_success_timestamp_seconds",
                                      probe=name), time.time() - 15, f"{name} stopped succeeding")
        self.assertGreater(metric(m, "hermes_probe_failures_total", probe="http_silent",
                                  reason="timeout"), 0)
        self.assertIsNone(p.poll())


if __name__ == "__main__":
    unittest.main(verbosity=2)
