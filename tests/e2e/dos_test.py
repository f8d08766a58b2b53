"""Denial-of-service resistance of hermes-exporter's listener (TLS + bearer token).

Each attack runs while a legitimate scraper (dos_tools.Scraper: GET /metrics with the
token twice a second on one keep-alive TLS connection from 127.0.0.2, like a Prometheus
server) polls the exporter. Every scrape must answer 200 within MAX_SCRAPE_SECONDS on the
same connection, and the exporter's VmRSS must stay under idle + RSS_MARGIN_MIB.

Deployment modelled: default caps (--web.max-connections 64, --web.max-connections-per-ip
8), a short --web.request-head-timeout=2s to keep the test short (default 5s), attackers
on other source addresses (127.0.0.1 for slowhttptest, which cannot bind a source
address; 127.0.0.10+ for the Python attacks). Every attack is bounded in count and time.
"""
import os
import socket
import ssl
import threading
import time
import unittest

from dos_tools import (RssSampler, Scraper, connect, percentile, read_response_head, request,
                       run_slowhttptest, stream_until_answer, wait_closed)
from harness import Harness, free_port, make_pki, metric, parse_metrics, tcp_probe_config, wait_for

CONFIG = tcp_probe_config(interval="2s")

HEAD_TIMEOUT = 2.0          # --web.request-head-timeout in these tests
MAX_SCRAPE_SECONDS = 1.0    # every legitimate scrape, whatever the attack
RSS_MARGIN_MIB = 48         # over the idle RSS measured before the attacks
SCRAPER_IP = "127.0.0.2"

RESULTS = []  # (attack, scrapes, p99, max, peak RSS MiB, idle RSS MiB)


class DosTest(Harness):
    @classmethod
    def tearDownClass(cls):
        print("\nattack                          scrapes  p99 ms  max ms  peak RSS MiB (idle)")
        for name, n, p99, mx, peak, idle in RESULTS:
            print(f"{name:32}{n:7}  {p99 * 1000:6.0f}  {mx * 1000:6.0f}  {peak:6.1f} ({idle:.1f})")

    def setUp(self):
        super().setUp()
        make_pki(self.dir)
        self.token = "dos-test-token-5f1c2a"
        self.write("token", self.token + "\n")
        self.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n"
                   "  key_file: server.key\n")
        self.ssl_ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        self.ctx = self.ssl_ctx

    def begin(self, extra=()):
        """Exporter + scraper + RSS sampler; returns after a few clean scrapes."""
        # HERMES_DOS_EXTRA_FLAGS (e.g. "--web.request-head-timeout=60s") weakens a
        # protection to check that the attacks notice.
        weaken = os.environ.get("HERMES_DOS_EXTRA_FLAGS", "").split()
        self.proc = self.start_exporter(
            CONFIG, extra=["--web.request-head-timeout=2s", *extra, *weaken])
        self.scraper = Scraper(self.port, self.ctx, self.token, src=SCRAPER_IP, interval=0.5)
        self.scraper.start()
        self.addCleanup(self.scraper.stop)
        self.scraper.wait_scrapes(4)
        self.rss = RssSampler(self.proc.pid)
        self.idle_rss = RssSampler.read(self.proc.pid) / 1024
        self.rss.start()
        self.addCleanup(self.rss.stop)
        self.mark = self.scraper.mark()
        self.rss.reset()

    def metrics(self):
        return parse_metrics(self.scraper.body())

    def fresh_metrics(self):
        self.scraper.wait_scrapes(2)
        return self.metrics()

    def rejected(self, reason):
        return metric(self.fresh_metrics(), "hermes_http_connections_rejected_total",
                      reason=reason) or 0

    def finish(self, name):
        """Asserts the scraper and memory bounds for the attack just run; records figures."""
        self.scraper.wait_scrapes(2)
        samples = self.scraper.since(self.mark)
        lat = [dt for _, dt, _ in samples]
        bad = [(round(dt, 3), st) for _, dt, st in samples if st != 200]
        peak = self.rss.peak_kib() / 1024
        RESULTS.append((name, len(samples), percentile(lat, 99), max(lat), peak, self.idle_rss))
        self.assertFalse(bad, f"{name}: failed scrapes {bad[:10]}; errors "
                         f"{self.scraper.errors[:5]}")
        self.assertFalse(self.scraper.errors, f"{name}: scraper errors {self.scraper.errors[:5]}")
        self.assertEqual(self.scraper.connects, 1, f"{name}: the scraper had to reconnect")
        self.assertLess(max(lat), MAX_SCRAPE_SECONDS, f"{name}: slowest scrape {max(lat):.3f}s")
        self.assertLess(peak, self.idle_rss + RSS_MARGIN_MIB,
                        f"{name}: RSS peaked at {peak:.1f} MiB (idle {self.idle_rss:.1f})")
        # Once the attack is over everything it opened is gone.
        self.wait_connections(1, timeout=HEAD_TIMEOUT + 5)

    def wait_connections(self, at_most, timeout):
        deadline = time.monotonic() + timeout
        while True:
            n = metric(self.fresh_metrics(), "hermes_http_connections")
            if n is not None and n <= at_most:
                return
            if time.monotonic() > deadline:
                self.fail(f"hermes_http_connections still {n} (want <= {at_most})")

    # (a) ------------------------------------------------------------------------
    def test_a_slow_headers_slowhttptest(self):
        """slowhttptest -H: 300 connections at 100/s, a new header line every second for
        15 s. With default caps the per-IP cap refuses all but 8; raising the caps (as
        if every attacker had their own address) leaves the head deadline alone, which
        must close each connection ~2 s after it opened even though it keeps sending."""
        self.begin(extra=["--web.max-connections=400", "--web.max-connections-per-ip=400"])
        url = f"https://127.0.0.1:{self.port}/metrics"
        t0 = time.monotonic()
        rows, out, _ = run_slowhttptest(url, self.path("slow"), connections=300, rate=100,
                                        interval=1, length=15)
        took = time.monotonic() - t0
        peak_connected = max(r["connected"] for r in rows)
        # 300 opened over ~3 s; each lives ~2 s: never all 300 at once, and none after
        # ramp + deadline + slack, although slowhttptest keeps feeding them.
        late = [r for r in rows if r["seconds"] >= 3 + HEAD_TIMEOUT + 4 and r["connected"] > 0]
        self.assertTrue(rows, out[-2000:])
        # slowhttptest stops early once the server has closed every connection; a server
        # without a total head deadline would keep all 300 for the whole 15 s.
        self.assertIn("No open connections left", out, out[-1500:])
        self.assertLess(took, 14)
        self.assertFalse(late, f"connections outlived the head deadline: {late[:3]}")
        self.assertLess(peak_connected, 300, "all 300 slow connections were open at once")
        print(f"\n(a) slowhttptest: 300 connections, peak {peak_connected} open at once, "
              f"all closed by the server; slowhttptest ended after {took:.0f}s of 15 "
              f"(none left open)")
        self.finish("a slow headers (slowhttptest)")

    def test_a2_slow_headers_default_caps_and_trickle_deadline(self):
        """Default caps: slowhttptest from one address (200 connections) holds at most the
        total cap (64, less the scraper's connection); each connection beyond it replaces
        that address's oldest one that has not sent a head, counted as max_connections.
        A client trickling one header byte every 200 ms is cut at the total head
        deadline (not an inactivity timeout)."""
        self.begin()
        before = self.rejected("max_connections")
        rows, out, _ = run_slowhttptest(f"https://127.0.0.1:{self.port}/metrics",
                                        self.path("slow8"), connections=200, rate=100,
                                        interval=1, length=8)
        self.assertTrue(rows, out[-2000:])
        self.assertLessEqual(max(r["connected"] for r in rows), 63 + 2,  # +2: sampling skew
                             "total cap not applied to slowhttptest")
        self.assertGreater(self.rejected("max_connections") - before, 100)
        # Trickle from 4 addresses x 4 connections.
        socks, opened = [], []
        for i in range(16):
            socks.append(connect(self.port, f"127.0.0.{20 + i // 4}", self.ctx))
            opened.append(time.monotonic())  # the deadline runs from the handshake's end
            socks[-1].sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        closed_at = [None] * len(socks)
        while time.monotonic() - t0 < HEAD_TIMEOUT + 6 and None in closed_at:
            for i, s in enumerate(socks):
                if closed_at[i] is None:
                    try:
                        s.sendall(b"X")
                        if wait_closed(s, 0.0001) is not None:
                            raise ConnectionError
                    except (ConnectionError, ssl.SSLError, OSError):
                        closed_at[i] = time.monotonic() - opened[i]
            time.sleep(0.2)
        for s in socks:
            s.close()
        self.assertNotIn(None, closed_at, "trickling connections were never closed")
        self.assertLess(max(closed_at), HEAD_TIMEOUT + 3, closed_at)
        self.assertGreater(min(closed_at), HEAD_TIMEOUT - 1, closed_at)
        print(f"\n(a2) trickle closed after {min(closed_at):.1f}-{max(closed_at):.1f}s")
        self.finish("a2 slow headers, default caps")

    # (b) (c) --------------------------------------------------------------------
    def hammer(self, attack, sources, seconds):
        """Runs attack(src) in a loop from each source address (one thread each) for
        `seconds`; returns every result. Exceptions fail the test."""
        results, errors = [], []
        stop = time.monotonic() + seconds

        def loop(src):
            while time.monotonic() < stop:
                try:
                    results.append(attack(src))
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(f"{src}: {type(e).__name__}: {e}")
                    return

        threads = [threading.Thread(target=loop, args=(src,)) for src in sources]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 30)
        self.assertFalse(errors, errors[:5])
        return results

    def test_b_endless_header_line_gets_431(self):
        self.begin()

        def attack(src):
            s = connect(self.port, src, self.ctx)
            try:
                sent, status, text = stream_until_answer(
                    s, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Long: ", b"a" * 1024,
                    max_bytes=64 << 20, max_seconds=10)
                closed = wait_closed(s, 5)
            finally:
                s.close()
            return sent, status, closed, text[:120]

        results = self.hammer(attack, [f"127.0.0.{30 + i}" for i in range(4)], 6)
        self.assertGreater(len(results), 4)
        for sent, status, closed, text in results:
            self.assertEqual(status, 431, text)
            self.assertIsNotNone(closed, "connection left open after 431")
        sent_max = max(r[0] for r in results)
        # The answer comes once ~8 KiB are parsed; what the client pushed meanwhile sits in
        # socket buffers (a few MiB on loopback) until they are full and the client blocks.
        # A server that kept reading would let it push all 64 MiB.
        self.assertLess(sent_max, 32 << 20, "server kept reading the endless line")
        print(f"\n(b) endless line: {len(results)} attempts, each 431 + close; client pushed "
              f"<= {sent_max // 1024} KiB before the answer")
        self.finish("b endless header line")

    def test_c_many_small_headers_get_431(self):
        self.begin()
        cases = [(65, b"a: 1\r\n", "too many"), (3000, b"a: 1\r\n", "too large"),
                 (2000, b"X-Header-Number: 1\r\n", "too large")]

        def attack(src):
            out = []
            for n, line, why in cases:
                s = connect(self.port, src, self.ctx)
                try:
                    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + line * n + b"\r\n")
                    status, text = read_response_head(s)
                finally:
                    s.close()
                out.append((n, why, status, text[:200]))
            return out

        results = self.hammer(attack, [f"127.0.0.{40 + i}" for i in range(4)], 6)
        self.assertGreater(len(results), 4)
        for r in results:
            for n, why, status, text in r:
                self.assertEqual(status, 431, f"{n} headers: {text}")
                self.assertIn(why, text, text)
        # 63 headers (+ Host) are fine: the limit is not tighter than documented.
        s = connect(self.port, "127.0.0.44", self.ctx)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  self.token.encode() + b"\r\n" + b"a: 1\r\n" * 62 + b"\r\n")
        status, _ = read_response_head(s)
        s.close()
        self.assertEqual(status, 200)
        print(f"\n(c) {3 * len(results)} requests with 65/2000/3000 headers: all 431")
        self.finish("c many small headers")

    # (d) ------------------------------------------------------------------------
    def test_d_bodies_on_get_refused_without_reading(self):
        self.begin()
        heads = [
            (b"Content-Length: 10737418240\r\n", 413),         # 10 GiB announced
            (b"Content-Length: 100\r\n", 413),
            (b"Transfer-Encoding: chunked\r\n", 411),
        ]
        auths = (b"", b"Authorization: Bearer " + self.token.encode() + b"\r\n")

        def attack(src):
            out = []
            for h, want in heads:
                for auth in auths:
                    s = connect(self.port, src, self.ctx)
                    try:
                        t0 = time.monotonic()
                        # Only the head: the answer must not wait for the body (nor auth).
                        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + auth + h + b"\r\n")
                        status, text = read_response_head(s, timeout=5)
                        out.append((h, want, status, time.monotonic() - t0, text[:300]))
                    finally:
                        s.close()
            return out

        results = [x for r in self.hammer(attack, ["127.0.0.50", "127.0.0.51", "127.0.0.52"], 5)
                   for x in r]
        for h, want, status, dt, text in results:
            self.assertEqual(status, want, f"{h!r}: {text}")
            self.assertLess(dt, 1.0, f"{h!r}: answer took {dt:.2f}s")
            self.assertIn("onnection: close", text)
        # A client that pushes the announced body anyway is cut off: the server reads at
        # most ~1 MiB for ~1 s after answering (lingering close), then closes.
        s = connect(self.port, "127.0.0.55", self.ctx)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n")
        t0 = time.monotonic()
        pushed = 0
        s.settimeout(2)
        try:
            while pushed < (256 << 20) and time.monotonic() - t0 < 15:
                s.sendall(b"b" * 65536)
                pushed += 65536
        except (ConnectionError, ssl.SSLError, OSError, socket.timeout):
            pass
        cut = time.monotonic() - t0
        s.close()
        self.assertLess(pushed, 64 << 20, "server kept reading an unwanted body")
        self.assertLess(cut, 5.0)
        print(f"\n(d) {len(results)} GETs announcing bodies: 411/413 in <1s; a pushed 1 GiB body was cut after "
              f"{pushed >> 10} KiB, {cut:.2f}s")
        self.finish("d bodies on GET")

    # (e) ------------------------------------------------------------------------
    def flood(self, sources, per_source):
        """Opens per_source TCP connections from each source address (no TLS: a flood
        needs none) and sends nothing. Refused connections are closed by the server at
        once; admitted ones stay open (until the head deadline). Returns (admitted
        sockets, number refused, seconds until the last refusal was seen)."""
        socks = []
        for src in sources:
            for _ in range(per_source):
                socks.append(connect(self.port, src, timeout=5))
        t0 = time.monotonic()
        state = [None] * len(socks)  # None: open so far; else seconds when seen closed
        while time.monotonic() - t0 < 1.0:
            for i, s in enumerate(socks):
                if state[i] is None and wait_closed(s, 0.001) is not None:
                    state[i] = time.monotonic() - t0
            time.sleep(0.05)
        admitted = [s for s, st in zip(socks, state) if st is None]
        refused = [st for st in state if st is not None]
        for s, st in zip(socks, state):
            if st is not None:
                s.close()
        return admitted, len(refused), max(refused, default=0.0)

    def test_e_connection_flood_one_ip_and_many_ips(self):
        self.begin()
        # One address, 60 connections that send nothing: the per-IP cap counts only
        # connections that sent a request head, so all 60 are admitted (61 <= 64 with
        # the scraper) until the head deadline.
        ok, refused, _ = self.flood(["127.0.0.60"], 60)
        for t in ok:
            t.close()
        self.assertEqual(len(ok), 60, "connections without a head hit the per-IP cap")
        self.assertEqual(refused, 0)
        self.wait_connections(1, timeout=HEAD_TIMEOUT + 5)
        # 40 addresses x 3 connections = 120 > 64: the total cap (less the scraper's own
        # connection) is filled; each newcomer beyond it replaces the oldest connection
        # of the address holding the most, so 57 are closed at once; the scraper's
        # established connection is never one of them.
        before = self.rejected("max_connections")
        ok, refused, _ = self.flood([f"127.0.1.{i}" for i in range(1, 41)], 3)
        self.scraper.wait_scrapes(1)
        gauge = metric(self.metrics(), "hermes_http_connections")
        for t in ok:
            t.close()
        self.assertEqual(len(ok), 63, "total cap minus the scraper's connection")
        self.assertEqual(refused, 120 - 63)
        self.assertLessEqual(gauge, 64)
        self.assertGreaterEqual(self.rejected("max_connections") - before, 57)
        # Afterwards new clients get in again.
        self.wait_connections(1, timeout=HEAD_TIMEOUT + 5)
        connect(self.port, "127.0.0.61", self.ctx).close()
        print(f"\n(e) flood: one IP 60/60 admitted until the head deadline; 40 IPs: 63 of 120 "
              "kept (+1 scraper), 57 closed within 1 s")
        self.finish("e connection flood")

    # (f) ------------------------------------------------------------------------
    def test_f_idle_connections_closed_at_head_deadline(self):
        self.begin()
        # 7 addresses x 8 = 56 connections: half TCP only (no ClientHello), half after a
        # completed TLS handshake; none sends a request. Each must stay open (admitted,
        # not refused) until the head deadline and be closed then.
        socks, opened = [], []
        for i in range(56):
            src = f"127.0.2.{1 + i // 8}"
            socks.append(connect(self.port, src, self.ctx if i % 2 else None))
            opened.append(time.monotonic())
        lifetimes = [None] * len(socks)

        def watch(i):
            if wait_closed(socks[i], HEAD_TIMEOUT + 10) is not None:
                lifetimes[i] = time.monotonic() - opened[i]

        threads = [threading.Thread(target=watch, args=(i,)) for i in range(len(socks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in socks:
            s.close()
        self.assertNotIn(None, lifetimes, "idle connections survived the head deadline")
        self.assertGreater(min(lifetimes), HEAD_TIMEOUT - 0.5, "closed before the deadline?")
        self.assertLess(max(lifetimes), HEAD_TIMEOUT + 3)
        print(f"\n(f) 56 idle connections (28 TCP-only, 28 after the TLS handshake) closed "
              f"{min(lifetimes):.1f}-{max(lifetimes):.1f}s after opening (deadline "
              f"{HEAD_TIMEOUT:.0f}s)")
        self.finish("f idle hoarding")

    # (g) ------------------------------------------------------------------------
    def same_address_slowloris(self, name, port, token, pid):
        """slowhttptest -H (300 connections at 50/s, one header line a second) from
        127.0.0.1 while 30 scrapes, each on a fresh TLS connection, come from the same
        address. Returns (ok scrapes, max seconds, failures, peak RSS MiB, idle RSS MiB)."""
        rss = RssSampler(pid)
        idle = RssSampler.read(pid) / 1024
        rss.start()
        self.addCleanup(rss.stop)
        rss.reset()
        results = []

        def scrape_loop():
            time.sleep(1.5)  # the pool is full after ~1.3 s at 50 connections/s
            for _ in range(30):
                t0 = time.monotonic()
                try:
                    status, _, _ = request(port, self.ctx, token=token, src="127.0.0.1")
                except Exception as e:  # noqa: BLE001 - recorded and asserted on
                    status = f"{type(e).__name__}: {e}"
                results.append((status, time.monotonic() - t0))
                time.sleep(max(0.0, 0.2 - (time.monotonic() - t0)))

        scraper = threading.Thread(target=scrape_loop)
        scraper.start()
        rows, out, _ = run_slowhttptest(f"https://127.0.0.1:{port}/metrics",
                                        self.path(f"same-{name}"), connections=300, rate=50,
                                        interval=1, length=12)
        scraper.join(timeout=60)
        rss.stop()
        self.assertTrue(rows, out[-2000:])
        ok = [dt for st, dt in results if st == 200]
        failures = [(st, round(dt, 3)) for st, dt in results if st != 200]
        peak_connected = max(r["connected"] for r in rows)
        return len(ok), max(dt for _, dt in results), failures, rss.peak_kib() / 1024, idle, \
            peak_connected

    def start_node_exporter(self):
        """node_exporter (Debian's) behind the same TLS web config, a few light collectors,
        no authentication (it has no bearer tokens)."""
        port = free_port()
        p = self.start("node_exporter", [
            "prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
            f"--web.config.file={self.path('web.yml')}", "--collector.disable-defaults",
            "--collector.loadavg", "--collector.meminfo", "--log.level=warn"])
        wait_for(lambda: p.poll() is None and request(port, self.ctx)[0] == 200, timeout=15,
                 what="node_exporter ready")
        return p, port

    def test_g_slowloris_from_the_scrapers_own_address(self):
        """A scraper that shares its address with 300 slow-header connections opens a fresh
        TLS connection per scrape: all 30 scrapes must succeed within 1 s, RSS bounded.
        node_exporter (no connection caps at all) runs the same attack in the same test
        for comparison."""
        proc = self.start_exporter(CONFIG)
        hermes = self.same_address_slowloris("hermes", self.port, self.token, proc.pid)
        node_proc, node_port = self.start_node_exporter()
        node = self.same_address_slowloris("node", node_port, None, node_proc.pid)
        print("\n(g) same-address slowloris (300 conns at 50/s) + 30 fresh-connection scrapes:")
        print("    server          ok/30  max s   peak RSS MiB (idle)  peak attack conns")
        for who, (ok, mx, _, peak, idle, conns) in (("hermes", hermes), ("node_exporter", node)):
            print(f"    {who:15} {ok:5}  {mx:5.2f}  {peak:6.1f} ({idle:.1f})       {conns}")
        ok, mx, failures, peak, idle, _ = hermes
        self.assertEqual(ok, 30, f"failed scrapes: {failures[:10]}")
        self.assertLess(mx, MAX_SCRAPE_SECONDS)
        self.assertLess(peak, idle + RSS_MARGIN_MIB)


if __name__ == "__main__":
    unittest.main()
