"""Shared helpers for the hermes benchmark: processes, /proc accounting, wrk, HTTP.

Every process started through Procs is killed when the run ends (also on errors).
Every load is bounded in time: wrk -d, iperf3 -t, curl --max-time, probe timeouts.
Traffic only ever goes to 127.0.0.0/8 or to namespaces this harness created.
"""
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
import harness  # noqa: E402  (make_pki, parse_metrics, metric, free_port)

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def free_port():
    return harness.free_port()


class Procs:
    """Owns child processes; kill_all() ends each one by its own pid (and its group)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def start(self, name, args, netns=None, **kw):
        if netns:
            args = ["ip", "netns", "exec", netns, *args]
        out = open(os.path.join(self.workdir, f"{name}.log"), "w")
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                             start_new_session=True, **kw)
        p.bench_name, p.bench_log = name, out
        p.t_start = time.monotonic()
        self.procs.append(p)
        return p

    def stop(self, p, timeout=5.0):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        p.bench_log.close()
        if p in self.procs:
            self.procs.remove(p)

    def kill_all(self):
        for p in list(self.procs):
            self.stop(p, timeout=3.0)

    def tail(self, p, n=20):
        with open(p.bench_log.name) as f:
            return "".join(f.readlines()[-n:])


def pids_of(p):
    """The process and its descendants (nginx workers, `ip netns exec` children)."""
    pids, frontier = [p.pid], [p.pid]
    while frontier:
        nxt = []
        for pid in frontier:
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    nxt += [int(x) for x in f.read().split()]
            except OSError:
                pass
        pids += nxt
        frontier = nxt
    return pids


def cpu_seconds(p):
    """utime+stime of the process tree (seconds)."""
    total = 0
    for pid in pids_of(p):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / CLK_TCK


def rss_bytes(p):
    """Resident set size of the process tree (bytes)."""
    total = 0
    for pid in pids_of(p):
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, timeout, netns=None, check=True):
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-400:]}")
    return r


def timed_child(cmd, timeout, netns=None):
    """Runs cmd; returns (CompletedProcess, cpu seconds of the child tree)."""
    c0 = children_cpu()
    r = run(cmd, timeout, netns=netns)
    return r, children_cpu() - c0


# --- HTTP -------------------------------------------------------------------------

def ssl_ctx(ca):
    return ssl.create_default_context(cafile=ca) if ca else None


def http_get(url, ca=None, timeout=5.0, headers=None, method="GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method,
                                 data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, context=ssl_ctx(ca) if url.startswith("https") else None,
                                    timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ready(url, ca=None, timeout=20.0, proc=None, interval=0.005, get=None):
    """Polls url until it answers 200; returns seconds since the process started."""
    get = get or http_get
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.bench_name} exited {proc.returncode} before ready")
        try:
            if get(url, ca, timeout=1.0)[0] == 200:
                return time.monotonic() - proc.t_start if proc else 0.0
        except (OSError, ssl.SSLError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out waiting for {url}")


def wait_port(host, port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listening on {host}:{port}")


# --- wrk --------------------------------------------------------------------------

_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _dur(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
    return float(m.group(1)) * _UNIT[m.group(2)]


def wrk(url, conns, seconds, headers=(), threads=None):
    """Runs wrk; returns dict(rps, p50, p99, requests, errors, seconds)."""
    threads = threads or min(2, conns)
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--latency",
           "--timeout", "5s"]
    for h in headers:
        cmd += ["-H", h]
    r = run(cmd + [url], timeout=seconds + 30)
    out = r.stdout
    res = {"seconds": seconds}
    m = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    res["requests"] = int(m.group(1))
    res["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        res[key] = _dur(m.group(1))
    errs = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errs += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errs += int(m.group(1))
    res["errors"] = errs
    if errs:
        res["error_text"] = " ".join(l.strip() for l in out.splitlines()
                                     if "errors" in l or "Non-2xx" in l)
    return res


def wrk_with_cpu(server, url, conns, seconds, headers=()):
    c0 = cpu_seconds(server)
    res = wrk(url, conns, seconds, headers)
    res["server_cpu"] = cpu_seconds(server) - c0
    res["cpu_per_1000"] = res["server_cpu"] / max(1, res["requests"]) * 1000
    return res


def ldd_count(path):
    r = subprocess.run(["ldd", path], capture_output=True, text=True)
    if "not a dynamic executable" in (r.stdout + r.stderr):
        return 0
    return sum(1 for line in r.stdout.splitlines() if "=>" in line or line.strip().startswith("/"))


def which(name):
    return shutil.which(name)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
