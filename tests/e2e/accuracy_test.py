"""Speedtest accuracy against ground truth (SPEC section 6).

hermes-exporter runs in a client network namespace, hermes-target in a server
namespace, and a router namespace between them shapes each direction with tbf
(tests/e2e/netns.py). The shaping is the ground truth:

1. Throughput: download and upload at 50, 200 and 1000 Mbit/s. tbf counts Ethernet
   frames (1514 bytes for a full segment) and hermes counts TCP payload (what the
   kernel received, or had acknowledged), so a link byte is worth 1448/1514 goodput
   bytes (MSS 1448 = MTU 1500 - IP 20 - TCP 20 - timestamps 12); HTTP heads add
   < 0.01 % on 100 MB requests. Bounds: +-3 % of what the tbf actually sent in the
   same run (sampled every 20 ms) in the very window hermes measured (its debug
   log gives the window's CLOCK_MONOTONIC end and length), and +-8 %
   of iperf3 run in the same namespaces and shaping in the same test (when iperf3
   itself agrees with its link: under heavy CPU load it can misread). The shaped
   rate's goodput (rate/8 x 1448/1514) is printed but not asserted: whether TCP
   fills the tbf is not hermes' measurement.
2. Idle latency: a target with --test.response-delay=20ms (the delay stands for
   path latency and is deliberately outside the Server-Timing it reports) must
   read 20-25 ms with no sample at or below 20 ms; the undelayed target < 5 ms.
   On a CPU-saturated host the target's timer fires late for any client, so the
   upper bound becomes a plain socket client's median (measured just after) + 3 ms.
3. stop: stable at 50 and 200 Mbit/s: goodput within +-2 % of what the link carried
   in the same run, with at most half the bytes of a fixed 10 s run of the same shape
   (run just before it).
4. Loaded latency: behind a deep queue (300 ms of bytes) the download-loaded
   latency must exceed idle + 50 ms; behind a short one (~10 ms) it must stay
   below idle + 20 ms, so the pinger measures the path, not hermes' own loop.

Every figure is printed in one table at the end. Needs root (skips otherwise).
"""
import json
import os
import socket
import statistics
import subprocess
import threading
import time
import unittest

import netns
from harness import binary, metric, wait_for
from netns_harness import EXPORTER, NetnsHarness, ResultTable, exit_on_sigterm

MBIT = 1e6
EFFICIENCY = 1448 / 1514  # TCP payload per Ethernet frame, MTU 1500 with timestamps
LINK_TOLERANCE = 0.03  # vs what the link carried in the same run (LinkMeter)
PEER_TOLERANCE = 0.08  # vs iperf3 in the same namespaces, same shaping, right after
IPERF_PORT = 5201  # inside the server namespace (private to this test)
SOCKET_BUFFER = 2 << 20  # tcp_rmem / tcp_wmem maximum in the test namespaces
IPERF_SECONDS = 4  # after 1 s omitted, like the probes' 4 s windows after a 1 s warm-up
STABLE_TOLERANCE = 0.02  # stop: stable vs what the link carried in the same run
BURST = 32 * 1024
MODERATE_QUEUE = 0.02  # s of bytes at the shaped rate, on top of the burst
DEEP_QUEUE = 0.3
SHORT_QUEUE = 0.005
DELAY = 0.020
MAX_SHORT_SAMPLES = 0  # of 20 idle samples at or below DELAY: none since PingOnce stamps
# its own send/first-byte instants (0 of 60 in 3 runs; was ~1 in 300 with PRETRANSFER)
PLAIN_PORT, DELAYED_PORT = 10517, 10518
# The machine running the tests is often saturated by compilers: a runnable
# process then waits several ms for a CPU, which would show up as latency (a 20 ms
# timer read 25-28 ms with ~10 ms jitter at load 12 on 2 cores). hermes is judged
# here on its measurement, not on the host's scheduler, so both ends get a larger
# CPU share; they use it only while they have work.
NICE = ["nice", "-n", "-10"]

CONFIG = """
global:
  scrape_interval: 1s
  # Fine around 20 ms so that a failure message shows where the samples fell.
  latency_buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.0205, 0.021,
                    0.022, 0.025, 0.03, 0.04, 0.06, 0.1, 0.2, 0.3, 0.5, 1]
probes:
  - name: shaped
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 20}}
    download: {{streams: 4, duration: 4s, warmup: 1s, max_bytes: 400MB}}
    upload: {{streams: 4, duration: 4s, warmup: 1s, max_bytes: 400MB}}
  # 1 Gbit/s: each stream finishes its first 100 MB request inside the window and
  # is part-way through its second when the window closes.
  - name: gigabit
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 5}}
    download: {{streams: 4, duration: 5s, warmup: 1s, max_bytes: 4GB}}
    upload: {{streams: 4, duration: 5s, warmup: 1s, max_bytes: 4GB}}
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
  # stop: stable against a fixed 10 s run of the same shape.
  - name: fixed
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 5}}
    download: {{streams: 4, duration: 10s, warmup: 1s, max_bytes: 1GB}}
    upload: {{streams: 4, duration: 10s, warmup: 1s, max_bytes: 1GB}}
  - name: stable
    kind: speedtest
    url: http://{server}:{plain}
    interval: 1h
    timeout: 40s
    latency: {{samples: 5}}
    download: {{streams: 4, duration: 10s, warmup: 1s, max_bytes: 1GB, stop: stable}}
    upload: {{streams: 4, duration: 10s, warmup: 1s, max_bytes: 1GB, stop: stable}}
"""


def expected_goodput(rate_mbit):
    """HTTP body bytes per second through a tbf of rate_mbit (see module doc)."""
    return rate_mbit * MBIT / 8 * EFFICIENCY


TABLE = ResultTable(("scenario", "figure", "set", "measured", "bound"))


def record(scenario, figure, set_, measured, bound, ok):
    TABLE.record(scenario, figure, set_, measured, bound, ok=ok)


class LinkMeter:
    """Samples the tbf qdiscs' sent-byte counters (rtnetlink, sub-ms) every 20 ms
    on its own thread while a probe runs: what the shaped link really carried.
    (The device counters would be simpler, but count a GSO packet's headers once.)"""

    def __init__(self, net):
        self.net, self.samples, self._stop = net, [], threading.Event()

    def __enter__(self):
        self._sample()  # before anything it meters starts, however late the thread runs
        self._thread = threading.Thread(target=self._loop, name="link-meter", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()  # after everything it metered ended, however late the thread ran

    def _loop(self):
        # Like hermes (NICE), the sampler gets a larger CPU share on a loaded host,
        # where sparse samples would widen the bracket in goodput(). Linux nice
        # values are per thread.
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
        while not self._stop.wait(0.02):  # ends when the probe run has been read
            self._sample()

    def _sample(self):
        t0 = time.monotonic()
        sent = self.net.sent_bytes()
        t = (t0 + time.monotonic()) / 2
        self.samples.append({d: (t, n) for d, n in sent.items()})

    def goodput(self, direction, start, end):
        """HTTP-goodput equivalent (B/s) of the frames the link carried in `direction`
        between two CLOCK_MONOTONIC instants: (estimate, low, high). The count at an
        instant is interpolated between the samples around it (estimate) and lies
        between them for sure, which brackets the truth (low, high) however late a
        loaded host woke the sampler."""
        pts = [sample[direction] for sample in self.samples]
        if len(pts) < 2 or not pts[0][0] <= start < end <= pts[-1][0]:
            return 0.0, 0.0, 0.0

        def at(t):  # (interpolated, low, high) count at t
            i = next(i for i in range(1, len(pts)) if pts[i][0] >= t)
            (ta, na), (tb, nb) = pts[i - 1], pts[i]
            return na + (nb - na) * (t - ta) / (tb - ta), na, nb
        (e0, lo0, hi0), (e1, lo1, hi1) = at(start), at(end)
        rate = lambda n: n / (end - start) * EFFICIENCY
        return rate(e1 - e0), rate(lo1 - hi0), rate(hi1 - lo0)

    def last_seconds(self, direction, rate_bit, window):
        """(start, end) of the last `window` seconds of the one transfer in
        `direction`, for a meter that does not say when it measured (iperf3 reports
        the seconds after -O). The transfer is the span of sampling intervals above a
        tenth of the shaped rate: the other direction's ACKs (~2 % of its data rate)
        and idle pings stay far below that. Its end is placed inside the last busy
        interval at the rate of the 200 ms before it."""
        pts = [sample[direction] for sample in self.samples]
        busy = [i for i in range(1, len(pts))
                if (pts[i][1] - pts[i - 1][1]) * 8 / (pts[i][0] - pts[i - 1][0]) > rate_bit / 10]
        if not busy:
            return 0.0, 0.0
        (t0, n0), (t1, n1) = pts[busy[-1] - 1], pts[busy[-1]]
        before = next((p for p in reversed(pts[:busy[-1] - 1]) if t0 - p[0] >= 0.2), None)
        rate = (n0 - before[1]) / (t0 - before[0]) if before else 0
        end = min(t1, t0 + (n1 - n0) / rate) if rate > 0 else t1
        return end - window, end


class AccuracyTest(NetnsHarness):
    @classmethod
    def setUpClass(cls):
        reason = netns.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.net = netns.Path("acc")
        cls.addClassCleanup(cls.net.close)
        # Socket buffers of at most 2 MiB: more than 4 streams need at 1 Gbit/s behind
        # the 20 ms queue.
        for ns in (cls.net.client_ns, cls.net.server_ns):
            for key, default in (("tcp_rmem", 131072), ("tcp_wmem", 16384)):
                subprocess.run(cls.net.cmd(ns, ["sysctl", "-qw",
                                                f"net.ipv4.{key}=4096 {default} {SOCKET_BUFFER}"]),
                               check=True, capture_output=True)

    def setUp(self):
        super().setUp()
        net = self.net
        delay = f"--test.response-delay={int(DELAY * 1000)}ms"
        for port, extra in ((PLAIN_PORT, []), (DELAYED_PORT, [delay])):
            self.start(f"target-{port}", net.cmd(net.server_ns, [
                *NICE, binary("hermes-target"), f"--web.listen-address={net.server_ip}:{port}",
                *extra]))
        self.write("hermes.yml", CONFIG.format(server=net.server_ip, plain=PLAIN_PORT,
                                               delayed=DELAYED_PORT))
        self.exporter = self.start("exporter", net.cmd(net.client_ns, [
            *NICE, binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle",
            "--log.level=debug"]))  # for the "speedtest window" lines
        for port in (PLAIN_PORT, DELAYED_PORT):
            wait_for(lambda: self.http(f"http://{net.server_ip}:{port}/-/healthy")[0] == 200,
                     timeout=15, what=f"hermes-target :{port}")
        wait_for(lambda: self.exporter.poll() is None and self.http(self.url("/-/ready"))[0] == 200,
                 timeout=15, what="hermes-exporter ready")
        for d in ("download", "upload"):
            self.addCleanup(net.unshape, d)

    @classmethod
    def tearDownClass(cls):
        TABLE.print()

    # --- helpers -----------------------------------------------------------
    def reference_rtts(self, port, n):
        """n sequential `GET /__down?bytes=0` on one connection from the client
        namespace: seconds from sending the request to receiving the whole head."""
        with netns.entered(self.net.client_ns):
            sock = socket.create_connection((self.net.server_ip, port), timeout=10)
        rtts = []
        with sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(n + 1):  # the first one warms the connection up
                t0 = time.perf_counter()
                sock.sendall(b"GET /__down?bytes=0 HTTP/1.1\r\nHost: target\r\n\r\n")
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = sock.recv(4096)
                    self.assertTrue(chunk, "target closed the connection")
                    head += chunk
                rtts.append(time.perf_counter() - t0)
        return rtts[1:]

    def iperf3_goodput(self, direction, seconds):
        """iperf3 in the same namespaces and shaping: 4 streams for `seconds` after a
        1 s omitted warm-up, like hermes' windows. Returns the received TCP payload
        rate (B/s, None when iperf3 gave none), what the link carried meanwhile
        (LinkMeter) and iperf3's error text."""
        net = self.net
        # With hermes' CPU share (NICE): on a loaded host an iperf3 that gets less CPU
        # moves less than hermes did and is no comparison.
        server = self.start(f"iperf3-{direction}", net.cmd(net.server_ns, [
            *NICE, "iperf3", "-s", "-1", "-B", net.server_ip, "-p", str(IPERF_PORT)]))
        # Until the server listens, seen from its namespace: a test connection would be
        # the one test of `iperf3 -s -1`, and a refused client is no sign (iperf3 3.12
        # -J exits 0 when it could not connect).
        wait_for(lambda: server.poll() is not None or subprocess.run(
            net.cmd(net.server_ns, ["ss", "-Hltn", f"sport = :{IPERF_PORT}"]),
            capture_output=True, text=True, timeout=20).stdout.strip(),
            timeout=30, what="iperf3 server listening")
        cmd = net.cmd(net.client_ns, [
            *NICE, "iperf3", "-c", net.server_ip, "-p", str(IPERF_PORT), "-P", "4",
            "-t", str(seconds), "-O", "1", "-J", *(["-R"] if direction == "download" else [])])
        with LinkMeter(net) as link:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        # The client has the result; iperf3 -s -1 does not always exit right after a
        # test, so it is not waited for.
        server.kill()
        server.wait(timeout=30)
        try:
            received = json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"] / 8
        except (ValueError, KeyError, TypeError):
            return None, link, (f"{(r.stdout + r.stderr)[-300:]} server: "
                                f"{self.log_of(server)[-300:]}").replace("\n", " ")
        return received, link, ""

    def check_throughput(self, rate_mbit, probe="shaped", starved_ok=False):
        """hermes' goodput judged against (a) what the shaped link carried in the same
        run (tbf sent-byte counters), +-3 %: the ground truth; (b) iperf3 run in the
        same namespaces and shaping right after, +-8 %: an independent peer, when
        iperf3 agrees with what its own run's link carried (+-3 %). The
        shaped rate's goodput is printed, not asserted: TCP does not always fill a
        tbf (a CPU-starved host, loss recovery), and that is not hermes' error.
        (a) is taken over the exact window hermes measured in (its debug log), whatever
        a loaded host made of it. starved_ok: when the link carried less than the
        shaped rate for hermes or iperf3 (a host that cannot forward 1 Gbit/s through
        three namespaces), (b) is waived; (a) holds as it is, since hermes counts what
        the kernel received or had acknowledged, not what it got round to reading or
        writing (socket buffers filling and draining in bursts under CPU starvation
        moved the old count by up to ~2 % at load 15)."""
        net = self.net
        for d in ("download", "upload"):
            net.shape(d, rate_mbit * MBIT, BURST, MODERATE_QUEUE)
        expected = expected_goodput(rate_mbit)
        before = {d: net.qdisc_stats(d) for d in ("download", "upload")}
        with LinkMeter(net) as link:
            m = self.run_probe(probe)
        failures = []
        for d in ("download", "upload"):
            got = metric(m, "hermes_throughput_bytes_per_second", probe=probe, direction=d)
            start, end = self.hermes_window(probe, d)
            carried, low, high = link.goodput(d, start, end)
            drops = net.qdisc_stats(d)["dropped"] - before[d]["dropped"]
            peer, peer_link, peer_error = self.iperf3_goodput(d, IPERF_SECONDS)
            peer_carried = peer_link.goodput(
                d, *peer_link.last_seconds(d, rate_mbit * MBIT, IPERF_SECONDS))[0]
            rel_link = got / carried - 1 if carried else float("inf")
            starved = starved_ok and min(carried, peer_carried) < expected * 0.95
            # The peer is a comparison only when its run saw the link hermes' run saw:
            # on a loaded host a tbf may forward far less than its rate for a while
            # (hermes' link at 3.3 of 6 MB/s, with drops, and iperf3's at 5.6 right
            # after), and one tool's link is then no measure of the other's.
            same_link = peer_carried > 0 and abs(carried / peer_carried - 1) <= PEER_TOLERANCE
            # hermes must fill a link that could take more: a short link without drops
            # in hermes' run means hermes, not the host, held back.
            underfilled = not starved_ok and carried < expected * 0.95 and drops == 0
            # Within the tolerance of the link's count, or of its sure bracket when the
            # sampler was woken too late to pin the window's ends down.
            ok_link = (abs(rel_link) <= LINK_TOLERANCE
                       or low * (1 - LINK_TOLERANCE) <= got <= high * (1 + LINK_TOLERANCE))
            # The peer counts only when it measured its own run right: iperf3 (one
            # thread for all streams) misreads a CPU-starved run, e.g. half of what
            # its link carried at load 10.
            peer_sound = bool(peer) and abs(peer / peer_carried - 1) <= LINK_TOLERANCE
            rel_peer = got / peer - 1 if peer else float("inf")
            ok_peer = (abs(rel_peer) <= PEER_TOLERANCE or starved or not peer_sound
                       or not same_link)
            waived = ("; link starved, waived" if starved else
                      f"; iperf3 off its own link ({peer_error or 'misread'}), waived"
                      if not peer_sound else
                      "; the two runs' links differed, waived" if not same_link else "")
            record(f"tbf {rate_mbit} Mbit/s", f"{d} goodput vs link",
                   f"carried {carried / 1e6:.3f} MB/s ({low / 1e6:.3f}-{high / 1e6:.3f}) "
                   f"in {end - start:.3f} s",
                   f"{got / 1e6:.3f} MB/s ({rel_link:+.2%}); drops {drops}",
                   f"+-{LINK_TOLERANCE:.0%}", ok_link)
            record(f"tbf {rate_mbit} Mbit/s", f"{d} goodput vs iperf3",
                   f"iperf3 {(peer or 0) / 1e6:.3f} MB/s (link {peer_carried / 1e6:.3f})",
                   f"{got / 1e6:.3f} MB/s ({rel_peer:+.1%}){waived}",
                   f"+-{PEER_TOLERANCE:.0%}", ok_peer)
            record(f"tbf {rate_mbit} Mbit/s", f"{d} goodput vs shaped rate",
                   f"{expected / 1e6:.3f} MB/s", f"{got / 1e6:.3f} MB/s ({got / expected - 1:+.1%})",
                   "(info)", True)
            record(f"tbf {rate_mbit} Mbit/s", f"{d} link filled by hermes",
                   f"{expected / 1e6:.3f} MB/s", f"carried {carried / 1e6:.3f} MB/s, drops {drops}",
                   ">= 95 % or drops", not underfilled)
            if not ok_link:
                failures.append(f"{d}: hermes {got:.0f} B/s, link carried {carried:.0f} B/s")
            if underfilled:
                failures.append(f"{d}: hermes left the link short ({carried:.0f} of "
                                f"{expected:.0f} B/s) without a drop")
            if not ok_peer:
                failures.append(f"{d}: hermes {got:.0f} B/s, iperf3 {peer:.0f} B/s")
        self.assertFalse(failures, "; ".join(failures))
        idle = metric(m, "hermes_latency_seconds", probe=probe, load="idle")
        record(f"tbf {rate_mbit} Mbit/s", "idle latency, no delay", "0 ms",
               f"{idle * 1e3:.3f} ms", "< 5 ms", idle < 0.005)
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

    def test_throughput_1000mbit(self):
        self.check_throughput(1000, probe="gigabit", starved_ok=True)

    def check_stop_stable(self, rate_mbit):
        """A fixed 10 s run, then stop: stable, each against what the link carried."""
        net = self.net
        for d in ("download", "upload"):
            net.shape(d, rate_mbit * MBIT, BURST, MODERATE_QUEUE)
        moved, rel = {}, {}
        for probe in ("fixed", "stable"):
            before = self.metrics()
            with LinkMeter(net) as link:
                m = self.run_probe(probe)
            for d in ("download", "upload"):
                key = dict(probe=probe, direction=d)
                moved[probe, d] = (metric(m, "hermes_transferred_bytes_total", **key) -
                                   (metric(before, "hermes_transferred_bytes_total", **key) or 0))
                got = metric(m, "hermes_throughput_bytes_per_second", **key)
                carried = link.goodput(d, *self.hermes_window(probe, d))[0]
                rel[probe, d] = got / carried - 1 if carried else float("inf")
        for d in ("download", "upload"):
            ratio = moved["stable", d] / moved["fixed", d]
            ok = abs(rel["stable", d]) <= STABLE_TOLERANCE and ratio <= 0.5
            record(f"tbf {rate_mbit} Mbit/s, stop: stable", f"{d} goodput vs link, bytes",
                   f"fixed 10 s: {rel['fixed', d]:+.1%}, {moved['fixed', d] / 1e6:.1f} MB",
                   f"{rel['stable', d]:+.1%}, {moved['stable', d] / 1e6:.1f} MB = {ratio:.0%} "
                   "of the fixed run", f"+-{STABLE_TOLERANCE:.0%}, <= 50 %", ok)
            self.assertLessEqual(abs(rel["stable", d]), STABLE_TOLERANCE, d)
            self.assertLessEqual(ratio, 0.5, f"{d}: {moved['stable', d]} vs {moved['fixed', d]}")

    def test_stop_stable_50mbit(self):
        self.check_stop_stable(50)

    def test_stop_stable_200mbit(self):
        self.check_stop_stable(200)

    def test_idle_latency_includes_path_delay(self):
        m = self.run_probe("delayed")
        # Ground truth under the machine's current load: the same request, timed
        # by a plain socket client right after hermes' run.
        ref = statistics.median(self.reference_rtts(DELAYED_PORT, 20))
        idle = metric(m, "hermes_latency_seconds", probe="delayed", load="idle")
        jitter = metric(m, "hermes_jitter_seconds", probe="delayed", load="idle")
        buckets = sorted((float(dict(ls)["le"]), v) for (n, ls), v in m.items()
                         if n == "hermes_rtt_seconds_bucket" and ("probe", "delayed") in ls
                         and ("load", "idle") in ls)
        # A sample <= 20 ms is physically impossible: the answer leaves the target
        # 20 ms after the request arrived. Had the Server-Timing subtraction taken
        # the delay out, every sample would be there. (libcurl's PRETRANSFER is
        # stamped after the request is written, so PingOnce stamps the send itself.)
        below = dict(buckets)[DELAY]
        far_below = dict(buckets)[0.015]
        # 25 ms on a quiet host; a CPU-saturated host wakes the target's 20 ms timer
        # late (socket client median 27 ms at load 15 on 2 cores), which is not
        # hermes' error: the bound then follows the reference, plus 3 ms.
        upper = max(DELAY + 0.005, ref + 0.003)
        ok = below <= MAX_SHORT_SAMPLES and far_below == 0 and DELAY < idle <= upper
        record("target delay 20 ms", "idle latency", f"{DELAY * 1e3:.0f} ms",
               f"{idle * 1e3:.2f} ms (jitter {jitter * 1e3:.2f} ms; {below:.0f} samples "
               f"<= 20 ms; socket client {ref * 1e3:.2f} ms)",
               f"20-{upper * 1e3:.1f} ms", ok)
        detail = f"idle RTT histogram (le, count): {buckets}"
        self.assertEqual(far_below, 0, "samples far below the path delay; " + detail)
        self.assertLessEqual(below, MAX_SHORT_SAMPLES, "samples below the path delay; " + detail)
        self.assertGreater(idle, DELAY, detail)
        self.assertLessEqual(idle, upper, detail)

    def test_loaded_latency_follows_queue_depth(self):
        deep = self.loaded_latency(DEEP_QUEUE)
        short = self.loaded_latency(SHORT_QUEUE)
        for name, (idle, loaded, limit, drops, got), bound, ok in (
                ("deep", deep, "> idle + 50 ms", deep[1] > deep[0] + 0.05),
                ("short", short, "< idle + 20 ms", short[1] < short[0] + 0.02)):
            record(f"50 Mbit/s, {name} queue", "download-loaded latency",
                   f"queue {limit} B = {limit * 8 / (50 * MBIT) * 1e3:.0f} ms",
                   f"{loaded * 1e3:.1f} ms (idle {idle * 1e3:.3f} ms; tbf drops {drops})",
                   bound, ok)
        # Not asserted: with a 1 s warm-up the deep queue's slow-start losses are
        # still being recovered at the warm-up instant, so data that crossed the
        # link earlier is counted after it (+7-9 % here; exact with a 3 s warm-up).
        want = expected_goodput(50)
        for name, r in (("deep", deep), ("short", short)):
            record(f"50 Mbit/s, {name} queue", "download goodput", f"{want / 1e6:.3f} MB/s",
                   f"{r[4] / 1e6:.3f} MB/s ({r[4] / want - 1:+.1%})", "(info)", True)
        self.assertGreater(deep[1], deep[0] + 0.05, "deep queue: loaded latency not above idle")
        self.assertLess(short[1], short[0] + 0.02, "short queue: loaded latency inflated")


if __name__ == "__main__":
    exit_on_sigterm(AccuracyTest)
    unittest.main(verbosity=2)
