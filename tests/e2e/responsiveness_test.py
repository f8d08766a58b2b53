"""Responsiveness (RPM, draft-ietf-ippm-responsiveness) against physics on a shaped link.

hermes-exporter runs in a client network namespace; the far ends run in a server
namespace behind a router that shapes the download direction with tbf at 50 Mbit/s
(tests/e2e/netns.py), once with a deep queue (300 ms of bytes) and once with a short
one (10 ms):

- nginx (Debian's nginx-light) set up as README "nginx as an RPM server": TLS with
  HTTP/2, the config resource as a static file, /small and /large static files,
  /upload proxied to hermes-target's upload sink;
- hermes-target over TLS (HTTP/2) with --rpm.anonymous.

The server namespace is set up as README advises for RPM test servers: little unsent
data per socket (net.ipv4.tcp_notsent_lowat=4096, and gso_max_size 4096 on its
interface, since Linux otherwise keeps up to one 64 KB GSO segment unsent beyond the
low-water mark).

Ground truth is a separate plain ping (irtt, UDP, every 10 ms) through the same queue
while hermes loads the link, over the direction's final window (the last 4 s: the
draft's moving-average window), as a 95 % single-sided trimmed mean like hermes'.
Physics, per far end and queue:
  * foreign RPM (a fresh connection's TCP handshake, TLS round trip and request each
    wait one queue) within +-30 % of 60 / ping RTT;
  * loaded RPM (self probes on the load-generating connections) at most 1.3 x that:
    a request cannot beat the queue (it is slower: TCP loss recovery holds a loaded
    connection's later bytes back by a round trip, the far end queues its own data);
  * deep-queue total and loaded RPM < 1/5 of the short-queue ones;
  * total RPM (foreign and self round trips averaged) at most 1.3 x 60 / ping RTT and
    at least half of it, for both far ends: the upper side is the queue, the lower one
    allows a self probe three ping round trips (the queue, the far end's own send
    queue of each loaded connection and, on a busy 2-core host, a wait for a CPU at
    both ends: nginx read -17 to -36 %, hermes-target -31 to -42 %);
  * bytes within max_bytes.
Every figure is printed in one table at the end.

A known server-side delay (test_server_delay): hermes-target with
--test.response-delay=D answers every small and large request D late, on the short
queue, D = 50 and 200 ms. Ground truth: the server cannot answer sooner than D, so
TM(http) and TM(self) >= D and loaded RPM <= 60 / D; a foreign probe's request waits D
plus one trip through the queue (ping RTT p), its handshakes p each, so foreign RPM
within +-30 % of 60 / ((3p + D) / 3). With RPM_PEER naming a goresponsiveness binary
(built outside the repo; the test never builds it), that peer runs against the same
server in the same namespaces right after hermes: its trimmed-mean foreign round trip
(it splits a foreign probe's time into three equal thirds) must agree with hermes'
(TM(tcp) + TM(tls) + TM(http)) / 3 within +-30 %; its self-probe round trip (the trimmed
mean of its probe times, see run_peer) is printed beside hermes'.
Needs root (skips otherwise).
"""
import json
import os
import re
import subprocess
import shutil
import signal
import statistics
import sys
import time
import unittest

import netns
from harness import Harness, binary, make_pki, metric, parse_metrics, wait_for

MBIT = 1e6
BURST = 32 * 1024
DEEP_QUEUE = 0.3
TOTAL_LOW = 0.5  # total RPM at least this share of 60 / ping RTT (docstring)
SHORT_QUEUE = 0.01
TOLERANCE = 0.30
EXPORTER = "127.0.0.1:10516"  # inside the client namespace
NGINX_PORT, SINK_PORT, TARGET_PORT, IRTT_PORT = 8443, 10517, 9443, 2112
DELAYS_MS = {50: 9444, 200: 9445}  # server-side delay -> hermes-target's port
WINDOW = 4.0  # s: the draft's MAD x ID, the window the final result comes from
MAX_DURATION = 12  # s per direction
MAX_BYTES = 200_000_000
NICE = ["nice", "-n", "-10"]  # as accuracy_test.py: measure the path, not the host's load

PROBE = """  - name: {name}
    kind: responsiveness
    url: https://{server}:{port}
    interval: 1h
    timeout: 40s
    directions: [download]
    max_duration: {max_duration}s
    max_bytes: {max_bytes}
    tls_config: {{ca_file: {ca}}}
"""


def hermes_config(server, ca):
    """One download-only probe per far end: nginx, hermes-target, the delayed targets."""
    ports = {"rpm_nginx": NGINX_PORT, "rpm_target": TARGET_PORT,
             **{f"rpm_delay{d}": port for d, port in DELAYS_MS.items()}}
    return "global:\n  scrape_interval: 1s\nprobes:\n" + "".join(
        PROBE.format(name=name, server=server, port=port, ca=ca, max_duration=MAX_DURATION,
                     max_bytes=MAX_BYTES) for name, port in ports.items())


NGINX = """
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  ssl_buffer_size 4k;
  http2_chunk_size 4k;
  output_buffers 1 4k;
  client_body_temp_path {d}/nginx-body;
  proxy_temp_path {d}/nginx-proxy;
  fastcgi_temp_path {d}/nginx-fcgi;
  uwsgi_temp_path {d}/nginx-uwsgi;
  scgi_temp_path {d}/nginx-scgi;
  server {{
    listen {server}:{port} ssl http2;
    ssl_certificate {d}/server.crt;
    ssl_certificate_key {d}/server.key;
    root {d}/rpm;
    location = /.well-known/nq {{ default_type application/json; }}
    location = /small {{ default_type application/octet-stream; }}
    location = /large {{ default_type application/octet-stream; }}
    location = /upload {{
      client_max_body_size 0;
      client_body_buffer_size 1m;
      proxy_request_buffering off;
      proxy_http_version 1.1;
      proxy_pass http://{server}:{sink}/__up;
    }}
  }}
}}
"""

ROWS = []


def record(*row):
    ROWS.append(tuple(str(c) for c in row))


def print_table():
    if not ROWS:
        return
    head = ("far end", "queue", "figure", "measured", "bound", "")
    widths = [max(len(r[i]) for r in ROWS + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    print("\n" + line(head), file=sys.stderr)
    print("  ".join("-" * w for w in widths), file=sys.stderr)
    for r in ROWS:
        print(line(r), file=sys.stderr)


def trimmed_mean(samples, keep=0.95):
    s = sorted(samples)
    drop = min(int(len(s) * (1 - keep) + 1e-9), len(s) - 1)
    kept = s[:len(s) - drop]
    return sum(kept) / len(kept)


class ResponsivenessTest(Harness):
    @classmethod
    def setUpClass(cls):
        reason = netns.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.net = netns.Path("rpm")
        cls.addClassCleanup(cls.net.close)

    @classmethod
    def tearDownClass(cls):
        print_table()

    def setUp(self):
        super().setUp()
        for tool in ("nginx", "irtt"):
            self.assertTrue(shutil.which(tool), f"{tool} missing: scripts/deps.sh test installs it")
        net = self.net
        make_pki(self.dir, sans=f"IP:{net.server_ip}")
        os.makedirs(self.path("rpm/.well-known"))
        small = self.write("rpm/small", "x")
        with open(self.path("rpm/large"), "w") as f:
            f.truncate(8 << 30)  # sparse: 8 GB without using disk
        origin = f"https://{net.server_ip}:{NGINX_PORT}"
        self.write("rpm/.well-known/nq", json.dumps({"version": 1, "urls": {
            "small_download_url": f"{origin}/small", "large_download_url": f"{origin}/large",
            "upload_url": f"{origin}/upload"}}))
        os.chmod(self.dir, 0o755)
        self.assertTrue(os.path.exists(small))
        # The draft asks test servers to keep little unsent data in their sockets.
        netns._run(net.cmd(net.server_ns, ["sysctl", "-qw", "net.ipv4.tcp_notsent_lowat=4096"]))
        netns._run(net.cmd(net.server_ns, ["ip", "link", "set", "dev", "up0", "gso_max_size",
                                           "4096"]))
        self.start("sink", net.cmd(net.server_ns, [
            *NICE, binary("hermes-target"), f"--web.listen-address={net.server_ip}:{SINK_PORT}"]))
        self.write("target-web.yml", f"tls_server_config:\n  cert_file: {self.path('server.crt')}\n"
                   f"  key_file: {self.path('server.key')}\n")
        self.start_target("target", TARGET_PORT)
        self.write("nginx.conf", NGINX.format(
            d=self.dir, server=net.server_ip, port=NGINX_PORT, sink=SINK_PORT,
            user="user root;" if os.geteuid() == 0 else ""))
        self.start("nginx", net.cmd(net.server_ns, [
            *NICE, shutil.which("nginx"), "-c", self.path("nginx.conf"), "-p", self.dir,
            "-e", self.path("nginx-error.log")]))
        self.start("irtt-server", net.cmd(net.server_ns, [
            shutil.which("irtt"), "server", "-b", f"{net.server_ip}:{IRTT_PORT}"]))
        self.write("hermes.yml", hermes_config(net.server_ip, self.path("ca.crt")))
        self.exporter = self.start("exporter", net.cmd(net.client_ns, [
            *NICE, binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle"]))
        wait_for(lambda: self.exporter.poll() is None and self.http(f"http://{EXPORTER}/-/ready")[0]
                 == 200, timeout=15, what="hermes-exporter ready")
        self.addCleanup(net.unshape, "download")

    # --- helpers -----------------------------------------------------------
    def start_target(self, name, port, *extra):
        """hermes-target over TLS (HTTP/2) for stock RPM clients, in the server namespace."""
        return self.start(name, self.net.cmd(self.net.server_ns, [
            *NICE, binary("hermes-target"), f"--web.listen-address={self.net.server_ip}:{port}",
            f"--web.config.file={self.path('target-web.yml')}", "--rpm.anonymous", *extra]))

    def http(self, url, method="GET"):
        """(status, body) of a request made from inside the client namespace."""
        return netns.http(self.net.client_ns, url, method)

    def metrics(self):
        status, body = self.http(f"http://{EXPORTER}/metrics")
        self.assertEqual(status, 200, body)
        return parse_metrics(body)

    def run_with_ping(self, probe):
        """Triggers one run of `probe` while irtt pings through the same queue; returns
        (metrics after the run, ping RTTs as [(wall end time s, rtt s)])."""
        before_metrics = self.metrics()
        runs = lambda: metric(self.metrics(), "hermes_probe_runs_total", probe=probe) or 0
        before = runs()
        ping_file = self.path(f"irtt-{time.monotonic_ns()}.json")
        ping = self.start("irtt-client", self.net.cmd(self.net.client_ns, [
            shutil.which("irtt"), "client", "-Q", "-i", "10ms", "-d", f"{MAX_DURATION + 8}s",
            "--wait=1s", "-o", ping_file, f"{self.net.server_ip}:{IRTT_PORT}"]))
        status, body = self.http(f"http://{EXPORTER}/-/trigger?probe={probe}", method="POST")
        self.assertEqual(status, 202, body)
        wait_for(lambda: runs() > before, timeout=MAX_DURATION * 2 + 20, interval=0.25,
                 what=f"{probe} run")
        m = self.metrics()
        ping.send_signal(signal.SIGINT)  # irtt writes its JSON on SIGINT too
        ping.wait(timeout=10)
        with open(ping_file) as f:
            trips = json.load(f)["round_trips"]
        rtts = [(t["timestamps"]["client"]["receive"]["wall"] / 1e9, t["delay"]["rtt"] / 1e9)
                for t in trips if t.get("lost") == "false" and "rtt" in t.get("delay", {})]
        if metric(m, "hermes_probe_success", probe=probe) != 1:
            self.fail(f"{probe} failed: {self.http(f'http://{EXPORTER}/-/status')[1]}\n"
                      f"exporter log:\n{self.log_of(self.exporter)[-3000:]}")
        return before_metrics, m, rtts

    def measure(self, probe, queue_seconds):
        limit = self.net.shape("download", 50 * MBIT, BURST, queue_seconds)
        before, m, rtts = self.run_with_ping(probe)
        end = metric(m, "hermes_probe_last_run_timestamp_seconds", probe=probe)
        window = [rtt for t, rtt in rtts if end - WINDOW <= t <= end]
        self.assertGreater(len(window), 50, f"too few ping replies in the last {WINDOW} s")
        ping_rtt = trimmed_mean(window)
        get = lambda name, **l: metric(m, name, probe=probe, direction="download", **l)
        r = {
            "limit": limit,
            "ping_rtt": ping_rtt,
            "ping_median": statistics.median(window),
            "total": get("hermes_responsiveness_rpm", component="total"),
            "loaded": get("hermes_responsiveness_rpm", component="loaded"),
            "foreign": get("hermes_responsiveness_rpm", component="foreign"),
            "self": get("hermes_responsiveness_component_seconds", component="self"),
            "confidence": get("hermes_responsiveness_confidence"),
            "goodput": get("hermes_throughput_bytes_per_second"),
            "bytes": get("hermes_transferred_bytes_total") - (metric(
                before, "hermes_transferred_bytes_total", probe=probe, direction="download") or 0),
            "duration": metric(m, "hermes_probe_duration_seconds_sum", probe=probe) - (metric(
                before, "hermes_probe_duration_seconds_sum", probe=probe) or 0),
            "cpu": metric(m, "process_cpu_seconds_total") - metric(before, "process_cpu_seconds_total"),
        }
        return r

    # --- tests -------------------------------------------------------------
    def check_far_end(self, name, probe):
        results = {}
        failures = []
        for queue_name, queue in (("deep", DEEP_QUEUE), ("short", SHORT_QUEUE)):
            r = results[queue_name] = self.measure(probe, queue)
            expected = 60 / r["ping_rtt"]
            where = f"{queue_name} {r['limit'] * 8 / (50 * MBIT) * 1e3:.0f} ms"
            ping = f"60/ping {expected:.0f} (ping TM {r['ping_rtt'] * 1e3:.1f} ms)"
            checks = [
                ("foreign RPM", r["foreign"], abs(r["foreign"] / expected - 1) <= TOLERANCE,
                 f"{ping} +-{TOLERANCE:.0%}"),
                ("total RPM", r["total"],
                 TOTAL_LOW * expected <= r["total"] <= expected * (1 + TOLERANCE),
                 f"{ping} x {TOTAL_LOW}-{1 + TOLERANCE}"),
                ("loaded RPM", r["loaded"], r["loaded"] <= expected * (1 + TOLERANCE),
                 f"<= {expected * (1 + TOLERANCE):.0f}"),
            ]
            for figure, value, ok, bound in checks:
                extra = f" (self {r['self'] * 1e3:.1f} ms)" if figure == "loaded RPM" else ""
                record(name, where, figure, f"{value:.0f} ({value / expected - 1:+.0%}){extra}",
                       bound, "ok" if ok else "FAIL")
                if not ok:
                    failures.append(f"{queue_name}: {figure} {value:.0f} vs 60/ping {expected:.0f}")
            ok = r["bytes"] <= MAX_BYTES
            record(name, where, "confidence, bytes, goodput, CPU",
                   f"{r['confidence']:.0f}, {r['bytes'] / 1e6:.1f} MB, "
                   f"{r['goodput'] * 8 / 1e6:.1f} Mbit/s, run {r['duration']:.1f} s, "
                   f"hermes CPU {r['cpu']:.2f} s",
                   f"bytes <= {MAX_BYTES / 1e6:.0f} MB", "ok" if ok else "FAIL")
            if not ok:
                failures.append(f"{queue_name}: {r['bytes']} bytes")
        deep, short = results["deep"], results["short"]
        for c in ("total", "loaded"):
            ok = deep[c] < short[c] / 5
            record(name, "deep vs short", f"{c} RPM", f"{deep[c]:.0f} vs {short[c]:.0f}",
                   "deep < short / 5", "ok" if ok else "FAIL")
            if not ok:
                failures.append(f"deep {c} RPM {deep[c]:.0f} not below short {short[c]:.0f} / 5")
        self.assertFalse(failures, f"{name}: {failures}")

    def test_nginx(self):
        self.check_far_end("nginx", "rpm_nginx")

    def test_hermes_target(self):
        self.check_far_end("hermes-target", "rpm_target")

    def run_peer(self, peer, port):
        """goresponsiveness' download: (self RTT, foreign RTT per third) in s. The self RTT is
        the 95 % single-sided trimmed mean of its download self probes (their durations from
        its -debug lines), as hermes computes it: its own "Trimmed Mean Self RTT" keeps the
        lowest 5 % instead of dropping the highest 5 % (utilities.TrimBy), which read ~25 ms
        below its probes on this link."""
        out = subprocess.run(self.net.cmd(self.net.client_ns, [
            peer, "-url", f"https://{self.net.server_ip}:{port}/.well-known/nq", "-debug",
            "-rpm.timeout", str(MAX_DURATION)]), capture_output=True, text=True, timeout=120,
            check=False).stdout
        down = out.split("Download:")[-1].split("Upload:")[0]
        foreign = [float(v) for v in re.findall(r"Trimmed Mean Foreign RTT:\s+([0-9.]+)", down)]
        unit = {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6}
        self_rtts = [float(v) * unit[u] for v, u in re.findall(
            r"\(SelfDown Probe \d+\) sanity vs total: \S+ vs ([0-9.]+)(s|ms|µs|us)$", out, re.M)]
        self.assertTrue(self_rtts and foreign, f"no download result from the peer:\n{out[-2000:]}")
        return trimmed_mean(self_rtts), foreign[-1]

    def test_server_delay(self):
        peer = os.environ.get("RPM_PEER")
        failures = []
        for d, port in DELAYS_MS.items():
            proc = self.start_target(f"target-delay{d}", port, f"--test.response-delay={d}ms")
            wait_for(lambda: "msg=\"started\"" in self.log_of(proc), timeout=15,
                     what=f"hermes-target with {d} ms delay")
            probe, delay = f"rpm_delay{d}", d / 1e3
            r = self.measure(probe, SHORT_QUEUE)
            p = r["ping_rtt"]
            m = self.metrics()
            comp = lambda c: metric(m, "hermes_responsiveness_component_seconds", probe=probe,
                                    direction="download", component=c)
            tcp, tls, http = comp("tcp"), comp("tls"), comp("http")
            where = f"delay {d} ms"
            want_foreign = 60 / ((3 * p + delay) / 3)
            checks = [
                ("loaded RPM", r["loaded"], r["loaded"] <= 60 / delay,
                 f"<= 60/D {60 / delay:.0f}; 60/(D+ping) {60 / (delay + p):.0f} (info, ping TM "
                 f"{p * 1e3:.1f} ms)"),
                ("foreign RPM", r["foreign"], abs(r["foreign"] / want_foreign - 1) <= TOLERANCE,
                 f"60/((3 ping+D)/3) {want_foreign:.0f} +-{TOLERANCE:.0%}"),
                ("self, http ms", r["self"] * 1e3, min(r["self"], http) >= delay,
                 f">= {d} ms (http {http * 1e3:.1f}, tcp {tcp * 1e3:.1f}, tls {tls * 1e3:.1f})"),
            ]
            for figure, value, ok, bound in checks:
                record("hermes-target", where, figure, f"{value:.0f}", bound, "ok" if ok else "FAIL")
                if not ok:
                    failures.append(f"{where}: {figure} {value:.0f} vs {bound}")
            record("hermes-target", where, "total RPM, confidence, bytes",
                   f"{r['total']:.0f}, {r['confidence']:.0f}, {r['bytes'] / 1e6:.1f} MB", "", "")
            if not peer:
                record("goresponsiveness", where, "self, foreign/3 ms", "RPM_PEER not set", "", "")
                continue
            peer_self, peer_foreign = self.run_peer(peer, port)  # still on the short queue
            ours_foreign = (tcp + tls + http) / 3
            for figure, ours, theirs, bound in (
                    ("self ms", r["self"], peer_self, False),
                    ("foreign/3 ms", ours_foreign, peer_foreign, True)):
                ok = abs(ours / theirs - 1) <= TOLERANCE or not bound
                record("goresponsiveness", where, figure, f"{theirs * 1e3:.1f}",
                       f"hermes {ours * 1e3:.1f}" + (f" +-{TOLERANCE:.0%}" if bound else " (info)"),
                       "ok" if ok else "FAIL")
                if not ok:
                    failures.append(f"{where}: goresponsiveness {figure} {theirs * 1e3:.1f} vs "
                                    f"hermes {ours * 1e3:.1f}")
        self.assertFalse(failures, failures)


if __name__ == "__main__":
    unittest.main(verbosity=2)
