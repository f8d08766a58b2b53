"""hermes-target over HTTP/2 (TLS, ALPN h2): the RPM resources with stock clients, and
hostile HTTP/2 clients while a legitimate prober is served on another connection.

1. Correctness with stock clients: curl --http2 (config with both key sets, small, large,
   upload with the byte count back, /__down and /__up), h2load (every request 2xx), the
   same port still speaking HTTP/1.1, and hermes-exporter's listener not offering h2.
2. Attacks, each bounded in count and time, each on its own connections from 127.0.0.10+,
   while the prober (h2_frames.Prober from 127.0.0.2, GET /api/v1/small every 50 ms on
   one h2 connection) keeps running: rapid reset (CVE-2023-44487), CONTINUATION flood
   (CVE-2024-27316 pattern), HPACK bomb / oversize header blocks, stream floods with
   downloads nobody reads, malformed frames, and an h2load request flood. Every probe
   must answer 200 within MAX_PROBE_SECONDS, every attack connection must be cut (or
   its streams refused), and hermes-target's VmRSS must stay under idle + RSS_MARGIN_MIB.
"""
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import unittest

import h2_frames as h2
from dos_tools import RssSampler, ensure_tool, percentile
from harness import Harness, binary, make_pki, tcp_probe_config, wait_for

MAX_PROBE_SECONDS = 1.0
RSS_MARGIN_MIB = 48
RESULTS = []  # (attack, probes, p99 s, max s, peak RSS MiB, idle RSS MiB)


class ProberThread(threading.Thread):
    def __init__(self, port, ctx):
        super().__init__(daemon=True, name="prober")
        self.prober = h2.Prober(port, ctx)
        self.samples, self.errors = [], []
        self.lock, self.stop_event = threading.Lock(), threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                dt, status, body = self.prober.get()
                with self.lock:
                    self.samples.append((dt, status, body))
            except Exception as e:  # noqa: BLE001 - asserted on
                with self.lock:
                    self.errors.append(f"{type(e).__name__}: {e}")
                return
            self.stop_event.wait(0.05)

    def mark(self):
        with self.lock:
            return len(self.samples)

    def since(self, mark):
        with self.lock:
            return list(self.samples[mark:])

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)
        self.prober.close()


class H2Test(Harness):
    @classmethod
    def tearDownClass(cls):
        print("\nattack                        probes  p99 ms  max ms  peak RSS MiB (idle)")
        for name, n, p99, mx, peak, idle in RESULTS:
            print(f"{name:30}{n:6}  {p99 * 1000:6.0f}  {mx * 1000:6.0f}  {peak:6.1f} ({idle:.1f})")

    def setUp(self):
        super().setUp()
        make_pki(self.dir)
        self.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
        self.ctx = h2.h2_context(self.path("ca.crt"))
        self.proc = self.start("target", [binary("hermes-target"), "--web.listen-address=127.0.0.1:0",
                                          "--web.config.file=web.yml", "--rpm.anonymous",
                                          "--web.max-connections-per-ip=64"])
        wait_for(lambda: "port=" in self.log_of(self.proc), timeout=15, what="hermes-target listening")
        self.port = int(self.log_of(self.proc).split("port=")[1].split()[0])

    def curl(self, *args):
        return subprocess.run(["curl", "-sS", "--http2", "--cacert", self.path("ca.crt"), *args],
                              capture_output=True, text=True, timeout=60)

    def url(self, path):
        return f"https://localhost:{self.port}{path}"

    # 1. Correctness with stock clients.

    def test_rpm_resources_with_curl_http2(self):
        r = self.curl("-w", "\n%{http_version}", self.url("/.well-known/nq"))
        body, version = r.stdout.rsplit("\n", 1)
        self.assertEqual(version, "2", r.stderr)
        cfg = json.loads(body)
        self.assertEqual(cfg["version"], 1)
        urls = cfg["urls"]
        for key in ("small_download_url", "large_download_url", "upload_url"):
            self.assertTrue(urls[key].startswith(f"https://localhost:{self.port}/"), urls)
        self.assertEqual(urls["small_https_download_url"], urls["small_download_url"])
        self.assertEqual(urls["large_https_download_url"], urls["large_download_url"])
        self.assertEqual(urls["https_upload_url"], urls["upload_url"])
        r = self.curl("-o", "/dev/null", "-w", "%{http_code} %{size_download} %{content_type}",
                      urls["small_download_url"])
        self.assertEqual(r.stdout, "200 1 application/octet-stream")
        # The large resource declares >= 8 GB and streams until the client stops.
        r = self.curl("-D", "-", "-o", "/dev/null", "--max-time", "1", urls["large_download_url"])
        self.assertRegex(r.stdout, r"content-length: (\d{11,})")
        self.assertGreaterEqual(int(r.stdout.split("content-length: ")[1].split()[0]), 8 * 10**9)
        blob = self.write("blob", "u" * (40 << 20))
        r = self.curl("--data-binary", "@" + blob, urls["upload_url"])
        self.assertEqual(r.stdout.strip(), str(40 << 20))
        r = self.curl("-o", "/dev/null", "-w", "%{http_version} %{size_download}",
                      self.url("/__down?bytes=5000000"))
        self.assertEqual(r.stdout, "2 5000000")
        # HTTP/1.1 on the same port.
        r = self.curl("--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                      urls["small_download_url"])
        self.assertEqual(r.stdout, "1.1 200")

    def test_h2load_all_requests_succeed(self):
        h2load = ensure_tool("h2load")
        r = subprocess.run([h2load, "-n", "20000", "-c", "8", "-m", "16", self.url("/api/v1/small")],
                           capture_output=True, text=True, timeout=120)
        self.assertIn("20000 succeeded, 0 failed, 0 errored", r.stdout, r.stdout + r.stderr)
        self.assertIn("status codes: 20000 2xx", r.stdout)

    def test_exporter_listener_stays_http11(self):
        self.write("token", "h2-test-token\n")
        self.ssl_ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        self.start_exporter(tcp_probe_config(), tls=True)  # sets self.port to the exporter's
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            t = self.ctx.wrap_socket(s, server_hostname="localhost")
            self.assertEqual(t.selected_alpn_protocol(), "http/1.1")
            t.close()

    # 2. Attacks.

    def begin(self):
        self.prober = ProberThread(self.port, self.ctx)
        self.prober.start()
        self.addCleanup(self.prober.stop)
        wait_for(lambda: self.prober.mark() >= 5, timeout=10, what="5 clean probes")
        self.idle_rss = RssSampler.read(self.proc.pid) / 1024
        self.rss = RssSampler(self.proc.pid)
        self.rss.start()
        self.addCleanup(self.rss.stop)
        self.mark = self.prober.mark()

    def finish(self, name):
        # At least 4 answers since the attack began (the last ones after it): waited
        # for, not slept for, so a loaded host is not mistaken for a starved prober;
        # slowness itself is judged by MAX_PROBE_SECONDS below.
        wait_for(lambda: len(self.prober.since(self.mark)) > 3 or self.prober.errors,
                 timeout=30, what=f"{name}: 4 probes")
        probes = self.prober.since(self.mark)
        self.assertFalse(self.prober.errors, self.prober.errors)
        bad = [p for p in probes if p[1] != 200]
        self.assertFalse(bad, f"{name}: failed probes {bad[:5]}")
        lat = [p[0] for p in probes]
        peak = self.rss.peak_kib() / 1024
        RESULTS.append((name, len(probes), percentile(lat, 99), max(lat), peak, self.idle_rss))
        self.assertLess(max(lat), MAX_PROBE_SECONDS, f"{name}: slowest probe {max(lat):.3f}s")
        self.assertLess(peak, self.idle_rss + RSS_MARGIN_MIB, f"{name}: RSS peak {peak:.1f} MiB")
        self.assertEqual(self.proc.poll(), None, "hermes-target died")

    def attackers(self, n, fn):
        results, threads = [None] * n, []
        for i in range(n):
            def run(i=i):
                try:
                    results[i] = fn(h2.connect(self.port, self.ctx, src=f"127.0.0.{10 + i}"))
                except Exception as e:  # noqa: BLE001
                    results[i] = e
            threads.append(threading.Thread(target=run, daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return results

    def test_attacks(self):
        self.begin()
        for name, fn, n in (("rapid reset", self.rapid_reset, 8),
                            ("continuation flood", self.continuation_flood, 8),
                            ("hpack bomb", self.hpack_bomb, 8),
                            ("oversize headers", self.oversize_headers, 4),
                            ("stream flood, unread downloads", self.stream_flood, 8),
                            ("malformed frames", self.malformed, 8)):
            with self.subTest(attack=name):
                self.mark = self.prober.mark()
                self.rss.reset()
                results = self.attackers(n, fn)
                for r in results:
                    self.assertIs(r, True, f"{name}: {r!r}")
                self.finish(name)
        with self.subTest(attack="h2load flood"):
            h2load = ensure_tool("h2load")
            self.mark = self.prober.mark()
            self.rss.reset()
            subprocess.run([h2load, "-n", "100000", "-c", "32", "-m", "100", "-t", "1",
                            self.url("/api/v1/small")], capture_output=True, timeout=120)
            self.finish("h2load flood (100k, 32x100)")

    # Each attack returns True when the server behaved (cut the connection, refused,
    # or answered 431), anything else is reported.

    def rapid_reset(self, sock):
        """HEADERS then RST_STREAM, as fast as possible, up to 20000 streams / 10 s."""
        reader, sid, deadline = h2.Reader(sock), 1, time.monotonic() + 10
        block = h2.request_block("/api/v1/large")
        try:
            while sid < 40000 and time.monotonic() < deadline:
                batch = b"".join(h2.frame(h2.HEADERS, h2.END_HEADERS, s, block) +
                                 h2.frame(h2.RST_STREAM, 0, s, struct.pack(">I", 8))
                                 for s in range(sid, sid + 200, 2))
                sock.sendall(batch)
                sid += 200
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        closed = reader.until_closed(10)
        return True if closed and sid < 40000 else f"not cut after {sid // 2} resets"

    def continuation_flood(self, sock):
        """HEADERS without END_HEADERS, then endless CONTINUATION frames (16 KiB each)."""
        reader, sent = h2.Reader(sock), 0
        sock.sendall(h2.frame(h2.HEADERS, 0, 1, h2.request_block("/api/v1/small")))
        chunk = h2.frame(h2.CONTINUATION, 0, 1, h2.literal("x-flood", "a" * 16000))
        try:
            while sent < 64 << 20:
                sock.sendall(chunk)
                sent += len(chunk)
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        return True if reader.until_closed(10) and sent < 64 << 20 else f"{sent} bytes accepted"

    def hpack_bomb(self, sock):
        """One 4000-byte field in the dynamic table, then referenced 16000 times (1 byte
        each): 64 MB of decoded headers from a 20 KB block."""
        reader = h2.Reader(sock)
        first = h2.request_block("/api/v1/small") + h2.literal_indexed("x-bomb", "b" * 4000)
        sock.sendall(h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, first))
        bomb = h2.request_block("/api/v1/small") + b"\xbe" * 16000  # index 62: newest entry
        try:
            sock.sendall(h2.frame(h2.HEADERS, h2.END_STREAM, 3, bomb[:16000]) +
                         h2.frame(h2.CONTINUATION, h2.END_HEADERS, 3, bomb[16000:]))
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        return True if reader.until_closed(10) else "not cut"

    def oversize_headers(self, sock):
        """A 12 KB header field (over the 8 KiB limit, under the hard limit): 431, and
        the connection stays usable."""
        reader = h2.Reader(sock)
        sock.sendall(h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, h2.request_block(
            "/api/v1/small", extra=[("x-big", "c" * 12000)])))
        while True:
            ftype, flags, stream, payload = reader.next()
            if ftype == h2.HEADERS and stream == 1:
                status = h2._status(payload)
                return True if status == 431 else f"status {status}"

    def stream_flood(self, sock):
        """1000 downloads of the large resource on one connection, never reading a byte
        of them: at most 100 are opened, the rest refused, nothing is buffered."""
        reader, refused, opened = h2.Reader(sock), 0, 0
        sock.sendall(b"".join(h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, s,
                                       h2.request_block("/api/v1/large"))
                              for s in range(1, 2001, 2)))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and refused + opened < 1000:
            try:
                ftype, flags, stream, payload = reader.next()
            except (EOFError, ConnectionError, ssl.SSLError, OSError):
                return True  # cut off entirely: also bounded
            if ftype == h2.RST_STREAM:
                refused += 1
            elif ftype == h2.HEADERS:
                opened += 1
        return True if opened <= 100 and refused >= 900 else f"opened {opened}, refused {refused}"

    def malformed(self, sock):
        """Garbage after the preface: a DATA frame on stream 0, then random bytes."""
        reader = h2.Reader(sock)
        try:
            sock.sendall(h2.frame(h2.DATA, 0, 0, b"x" * 100) + os.urandom(4096))
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        if not reader.until_closed(10):
            return "not closed"
        return True if reader.goaway is not None else "closed without GOAWAY"


if __name__ == "__main__":
    unittest.main(verbosity=2)
