"""Speedtest accuracy against ground truth (SPEC section 6).

hermes-exporter runs in a client network namespace, hermes-target in a server
namespace, and a router namespace between them shapes each direction with tbf
(tests/e2e/netns.py). The shaping is the ground truth:

1. Throughput: download and upload at 50 and 200 Mbit/s. tbf counts Ethernet
   frames (1514 bytes for a full segment) and hermes counts HTTP body bytes, so the
   expected goodput is rate/8 x 1448/1514 (MSS 1448 = MTU 1500 - IP 20 - TCP 20 -
   timestamps 12); HTTP headers add < 0.01 % on 100 MB requests. Bound: +-5 %.
2. Idle latency: a target with --test.response-delay=20ms (the delay stands for
   path latency and is deliberately outside the Server-Timing it reports) must
   read 20-25 ms; the undelayed target < 5 ms.
3. Loaded latency: behind a deep queue (300 ms of bytes) the download-loaded
   latency must exceed idle + 50 ms; behind a short one (~10 ms) it must stay
   below idle + 20 ms, so the pinger measures the path, not hermes' own loop.

Every figure is printed in one table at the end. Needs root (skips otherwise).
"""
import signal
import sys
import time
import unittest
import urllib.error
import urllib.request

import netns
from harness import Harness, binary, metric, parse_metrics, wait_for

MBIT = 1e6
EFFICIENCY = 1448 / 1514  # TCP payload per Ethernet frame, MTU 1500 with timestamps
THROUGHPUT_TOLERANCE = 0.05
BURST = 32 * 1024
MODERATE_QUEUE = 0.02  # s of bytes at the shaped rate, on top of the burst
DEEP_QUEUE = 0.3
SHORT_QUEUE = 0.005
DELAY = 0.020
EXPORTER = "127.0.0.1:9516"  # inside the client namespace
PLAIN_PORT, DELAYED_PORT = 9517, 9518

CONFIG = """
global:
  scrape_interval: 1s
probes:
  - name: shaped
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 20}}
    download: {{streams: 4, duration: 4s, warmup: 1s, max_bytes: 400MB}}
    upload: {{streams: 4, duration: 4s, warmup: 1s, max_bytes: 400MB}}
  - name: bloat
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 20}}
    download: {{streams: 4, duration: 4s, warmup: 1s, max_bytes: 400MB}}
    upload: {{enabled: false}}
  - name: delayed
    kind: speedtest
    url: http://{server}:{delayed}
    interval: 1h
    timeout: 40s
    latency: {{samples: 20}}
    download: {{enabled: false}}
    upload: {{enabled: false}}
"""

ROWS = []  # (scenario, figure, set, measured, bound, ok) for the final table


def record(scenario, figure, set_, measured, bound, ok):
    ROWS.append((scenario, figure, set_, measured, bound, "ok" if ok else "FAIL"))


def print_table():
    if not ROWS:
        return
    head = ("scenario", "figure", "set", "measured", "bound", "")
    widths = [max(len(str(r[i])) for r in ROWS + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
    print("\n" + line(head), file=sys.stderr)
    print("  ".join("-" * w for w in widths), file=sys.stderr)
    for r in ROWS:
        print(line(r), file=sys.stderr)


class AccuracyTest(Harness):
    @classmethod
    def setUpClass(cls):
        reason = netns.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.net = netns.Path("acc")
        cls.addClassCleanup(cls.net.close)

    def setUp(self):
        super().setUp()
        net = self.net
        target = binary("hermes-target")
        for port, extra in ((PLAIN_PORT, []), (DELAYED_PORT, [f"--test.response-delay={int(DELAY * 1000)}ms"])):
            self.start(f"target-{port}", net.cmd(net.server_ns, [
                target, f"--web.listen-address={net.server_ip}:{port}", *extra]))
        self.write("hermes.yml", CONFIG.format(server=net.server_ip, plain=PLAIN_PORT,
                                               delayed=DELAYED_PORT))
        self.exporter = self.start("exporter", net.cmd(net.client_ns, [
            binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle"]))
        for port in (PLAIN_PORT, DELAYED_PORT):
            wait_for(lambda: self.http(f"http://{net.server_ip}:{port}/-/healthy")[0] == 200,
                     timeout=15, what=f"hermes-target :{port}")
        wait_for(lambda: self.exporter.poll() is None and self.http(self.url("/-/ready"))[0] == 200,
                 timeout=15, what="hermes-exporter ready")
        for d in ("download", "upload"):
            self.addCleanup(net.unshape, d)

    @classmethod
    def tearDownClass(cls):
        print_table()

    # --- helpers -----------------------------------------------------------
    def url(self, path):
        return f"http://{EXPORTER}{path}"

    def http(self, url, method="GET"):
        """(status, body) of a request made from inside the client namespace."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        with netns.entered(self.net.client_ns):
            try:
                with opener.open(req, timeout=10) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

    def metrics(self):
        status, body = self.http(self.url("/metrics"))
        self.assertEqual(status, 200, body)
        return parse_metrics(body)

    def run_probe(self, probe):
        """Triggers one run of `probe`, waits for it and returns the metrics after it."""
        runs = lambda: metric(self.metrics(), "hermes_probe_runs_total", probe=probe) or 0
        for _ in range(5):
            before = runs()
            status, body = self.http(self.url(f"/-/trigger?probe={probe}"), method="POST")
            if status == 202:
                break
            if status == 409:  # a scheduled run is under way: let it finish
                wait_for(lambda: runs() > before, timeout=60, what=f"scheduled {probe} run")
            if status in (409, 429):  # 429: triggered less than one scrape interval ago
                time.sleep(1.1)
                continue
            self.fail(f"trigger {probe}: {status} {body}")
        else:
            self.fail(f"could not trigger {probe}")
        wait_for(lambda: runs() > before, timeout=60, interval=0.25, what=f"{probe} run")
        m = self.metrics()
        if metric(m, "hermes_probe_success", probe=probe) != 1:
            self.fail(f"{probe} run failed: {self.http(self.url('/-/status'))[1]}\n"
                      f"exporter log:\n{self.log_of(self.exporter)[-3000:]}")
        return m

    def check_throughput(self, rate_mbit):
        net = self.net
        for d in ("download", "upload"):
            net.shape(d, rate_mbit * MBIT, BURST, MODERATE_QUEUE)
        before = {d: net.qdisc_stats(d) for d in ("download", "upload")}
        m = self.run_probe("shaped")
        expected = rate_mbit * MBIT / 8 * EFFICIENCY
        errors = []
        for d in ("download", "upload"):
            got = metric(m, "hermes_throughput_bytes_per_second", probe="shaped", direction=d)
            after = net.qdisc_stats(d)
            drops = after["dropped"] - before[d]["dropped"]
            rel = got / expected - 1
            ok = abs(rel) <= THROUGHPUT_TOLERANCE
            record(f"tbf {rate_mbit} Mbit/s", f"{d} goodput", f"{expected / 1e6:.3f} MB/s",
                   f"{got / 1e6:.3f} MB/s ({rel:+.1%}; tbf drops {drops})",
                   f"+-{THROUGHPUT_TOLERANCE:.0%}", ok)
            if not ok:
                errors.append(f"{d}: measured {got:.0f} B/s, expected {expected:.0f} B/s "
                              f"({rel:+.1%})")
        idle = metric(m, "hermes_latency_seconds", probe="shaped", load="idle")
        record(f"tbf {rate_mbit} Mbit/s", "idle latency, no delay", "0 ms",
               f"{idle * 1e3:.3f} ms", "< 5 ms", idle < 0.005)
        self.assertFalse(errors, errors)
        self.assertLess(idle, 0.005)

    def loaded_latency(self, queue_seconds):
        limit = self.net.shape("download", 50 * MBIT, BURST, queue_seconds)
        before = self.net.qdisc_stats("download")
        m = self.run_probe("bloat")
        drops = self.net.qdisc_stats("download")["dropped"] - before["dropped"]
        idle = metric(m, "hermes_latency_seconds", probe="bloat", load="idle")
        loaded = metric(m, "hermes_latency_seconds", probe="bloat", load="download")
        got = metric(m, "hermes_throughput_bytes_per_second", probe="bloat", direction="download")
        return idle, loaded, limit, drops, got

    # --- tests -------------------------------------------------------------
    def test_throughput_50mbit(self):
        self.check_throughput(50)

    def test_throughput_200mbit(self):
        self.check_throughput(200)

    def test_idle_latency_includes_path_delay(self):
        m = self.run_probe("delayed")
        idle = metric(m, "hermes_latency_seconds", probe="delayed", load="idle")
        jitter = metric(m, "hermes_jitter_seconds", probe="delayed", load="idle")
        ok = DELAY <= idle <= DELAY + 0.005
        record("target delay 20 ms", "idle latency", f"{DELAY * 1e3:.0f} ms",
               f"{idle * 1e3:.2f} ms (jitter {jitter * 1e3:.2f} ms)", "20-25 ms", ok)
        self.assertGreaterEqual(idle, DELAY, "Server-Timing subtraction removed the path delay")
        self.assertLessEqual(idle, DELAY + 0.005)

    def test_loaded_latency_follows_queue_depth(self):
        deep = self.loaded_latency(DEEP_QUEUE)
        short = self.loaded_latency(SHORT_QUEUE)
        for name, (idle, loaded, limit, drops, got), bound, ok in (
                ("deep", deep, "> idle + 50 ms", deep[1] > deep[0] + 0.05),
                ("short", short, "< idle + 20 ms", short[1] < short[0] + 0.02)):
            record(f"50 Mbit/s, {name} queue", "download-loaded latency",
                   f"queue {limit} B = {limit * 8 / (50 * MBIT) * 1e3:.0f} ms",
                   f"{loaded * 1e3:.1f} ms (idle {idle * 1e3:.3f} ms; {got / 1e6:.2f} MB/s; "
                   f"tbf drops {drops})", bound, ok)
        self.assertGreater(deep[1], deep[0] + 0.05, "deep queue: loaded latency not above idle")
        self.assertLess(short[1], short[0] + 0.02, "short queue: loaded latency inflated")


if __name__ == "__main__":
    # ctest's timeout sends SIGTERM: exit through unittest so that processes are
    # killed and the namespaces deleted.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    unittest.main(verbosity=2)
