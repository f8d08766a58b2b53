"""Attack and measurement helpers for the hardening e2e tests (dos_test, auth_negative_test,
tls_audit_test).

Everything talks to 127.0.0.0/8 only. Linux treats the whole block as local, so a client
socket can bind any 127.0.0.x to look like a different source address ("many source
addresses") without configuration. Every helper is bounded in count and time.
"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time


def ensure_tool(cmd):
    """Path of `cmd`; a test never installs anything (scripts/deps.sh test does)."""
    path = shutil.which(cmd)
    if not path:
        raise RuntimeError(f"{cmd} is not installed; run scripts/deps.sh test")
    return path


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def median(values):
    return percentile(values, 50)


def connect(port, src="127.0.0.1", ctx=None, timeout=5.0, host="127.0.0.1", handshake=True):
    """A TCP (or TLS, when ctx is given) connection from source address `src`."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((host, port))
    if ctx is None:
        return s
    return ctx.wrap_socket(s, server_hostname=host, do_handshake_on_connect=handshake)


def https_connection(port, ctx, src="127.0.0.1", timeout=10.0):
    return http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=timeout,
                                       source_address=(src, 0))


def request(port, ctx, path="/metrics", token=None, src="127.0.0.1", headers=None,
            method="GET"):
    """One request on a fresh connection: (status, headers dict-like, body bytes)."""
    c = https_connection(port, ctx, src)
    try:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        c.request(method, path, headers=h)
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def wait_closed(sock, timeout):
    """Seconds until the peer closes `sock` (EOF or reset), reading and dropping data;
    None if still open after `timeout`."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return None
        except (ConnectionError, ssl.SSLError, OSError):
            return time.monotonic() - t0
        if not data:
            return time.monotonic() - t0


def read_response_head(sock, timeout=5.0, limit=65536, buf=b""):
    """Reads until the end of an HTTP response head (or close); returns (status, text).
    `buf`: bytes of the response already read."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in buf and len(buf) < limit and time.monotonic() < deadline:
        try:
            d = sock.recv(4096)
        except (socket.timeout, TimeoutError, ConnectionError, ssl.SSLError, OSError):
            break
        if not d:
            break
        buf += d
    # the short text bodies of error answers arrive with the head; take what is there
    try:
        sock.settimeout(0.2)
        buf += sock.recv(4096)
    except Exception:  # noqa: BLE001 - best effort
        pass
    text = buf.decode("latin-1")
    status = int(text.split(" ", 2)[1]) if text.startswith("HTTP/1.1 ") else None
    return status, text


def try_recv(sock):
    """Application data available right now without blocking: bytes, b"" at EOF, None
    when nothing is there. (select() is no use on TLS: TLS 1.3 session tickets make the
    socket readable without any application data.)"""
    sock.setblocking(False)
    try:
        return sock.recv(65536)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
        return None
    except (ConnectionError, ssl.SSLError, OSError):
        return b""
    finally:
        sock.setblocking(True)


def stream_until_answer(sock, head, filler, max_bytes, max_seconds):
    """Sends `head`, then `filler` repeatedly, until the server answers or closes, up to
    `max_bytes` / `max_seconds`. Returns (bytes_sent_after_head, status or None, text)."""
    sock.settimeout(5)
    sock.sendall(head)
    sent = 0
    got = b""
    deadline = time.monotonic() + max_seconds
    while sent < max_bytes and time.monotonic() < deadline:
        d = try_recv(sock)
        if d is not None:
            got = d
            break
        try:
            sock.sendall(filler)
        except (ConnectionError, ssl.SSLError, OSError):
            break
        sent += len(filler)
    status, text = read_response_head(sock, timeout=5, buf=got)
    return sent, status, text


class Scraper(threading.Thread):
    """The legitimate client: GET /metrics with a bearer token every `interval` seconds on
    one keep-alive TLS connection from `src`, like a Prometheus server. Records latency
    and status of every scrape; never reconnects silently (a reconnect is counted)."""

    def __init__(self, port, ctx, token, src="127.0.0.2", interval=0.5):
        super().__init__(daemon=True, name="scraper")
        self.port, self.ctx, self.token, self.src, self.interval = port, ctx, token, src, interval
        self.lock = threading.Lock()
        self.samples = []  # (monotonic start, seconds, status)
        self.errors = []
        self.connects = 0
        self.last_body = ""
        self.stop_event = threading.Event()
        self.conn = None

    def _connect(self):
        self.conn = https_connection(self.port, self.ctx, self.src, timeout=5)
        self.conn.connect()
        self.connects += 1

    def run(self):
        while not self.stop_event.is_set():
            t0 = time.monotonic()
            try:
                if self.conn is None:
                    self._connect()
                    t0 = time.monotonic()
                sock = self.conn.sock
                self.conn.request("GET", "/metrics",
                                  headers={"Authorization": f"Bearer {self.token}"})
                r = self.conn.getresponse()
                body = r.read()
                dt = time.monotonic() - t0
                with self.lock:
                    self.samples.append((t0, dt, r.status))
                    if r.status == 200:
                        self.last_body = body.decode("utf-8", "replace")
                if self.conn.sock is not sock or r.will_close:
                    self.errors.append(f"connection not kept alive after scrape at {t0:.1f}")
                    self.conn.close()
                    self.conn = None
            except Exception as e:  # noqa: BLE001 - recorded and asserted on
                dt = time.monotonic() - t0
                with self.lock:
                    self.samples.append((t0, dt, None))
                    self.errors.append(f"{type(e).__name__}: {e}")
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
            self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - t0)))
        if self.conn is not None:
            self.conn.close()

    def mark(self):
        with self.lock:
            return len(self.samples)

    def since(self, mark):
        with self.lock:
            return list(self.samples[mark:])

    def body(self):
        with self.lock:
            return self.last_body

    def wait_scrapes(self, n, timeout=10):
        start = self.mark()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.mark() - start >= n:
                return
            time.sleep(0.05)
        raise AssertionError(f"scraper made fewer than {n} scrapes in {timeout}s")

    def stop(self):
        self.stop_event.set()
        self.join(timeout=15)


class RssSampler(threading.Thread):
    """Samples VmRSS (KiB) of `pid` every `interval` seconds; `peak_kib()` since reset()."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True, name="rss")
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.lock = threading.Lock()
        self.stop_event = threading.Event()

    @staticmethod
    def read(pid):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def run(self):
        while not self.stop_event.is_set():
            try:
                v = self.read(self.pid)
            except OSError:
                return
            with self.lock:
                self.peak = max(self.peak, v)
            self.stop_event.wait(self.interval)

    def reset(self):
        with self.lock:
            self.peak = self.read(self.pid)

    def peak_kib(self):
        with self.lock:
            return self.peak

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)


def run_slowhttptest(url, out_prefix, connections, rate, interval, length, extra=()):
    """slowhttptest -H (slowloris) bounded by -l seconds (plus a hard timeout). Returns the
    rows of its CSV statistics as dicts: seconds, closed, pending, connected, available."""
    exe = ensure_tool("slowhttptest")
    cmd = [exe, "-H", "-g", "-o", out_prefix, "-c", str(connections), "-r", str(rate),
           "-i", str(interval), "-l", str(length), "-x", "8", "-p", "3", "-u", url, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=length + 60)
    rows = []
    with open(out_prefix + ".csv") as f:
        header = f.readline()
        for line in f:
            parts = line.strip().split(",")
            if len(parts) < 5:
                continue
            rows.append({"seconds": int(parts[0]), "closed": int(parts[1]),
                         "pending": int(parts[2]), "connected": int(parts[3]),
                         "available": parts[4].strip()})
    out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", p.stdout + p.stderr)
    return rows, out, header
