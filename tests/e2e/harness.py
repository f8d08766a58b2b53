"""Shared helpers for hermes end-to-end tests: binaries, PKI, processes, HTTP.

Everything runs on 127.0.0.1 with ports picked by the kernel. Processes started
through Harness are killed when the test ends, whatever happens.
"""
import gzip
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

SOURCE_DIR = os.environ.get(
    "HERMES_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_DIR = os.environ.get("HERMES_BUILD_DIR", os.path.join(SOURCE_DIR, "build", "release"))


def binary(name):
    path = os.path.join(BUILD_DIR, name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is not built; run scripts/build.sh or set HERMES_BUILD_DIR")
    return path


def free_port(udp=False):
    with socket.socket(type=socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def make_pki(d, sans=""):
    """CA + server cert for 127.0.0.1/localhost (and `sans`, e.g. "IP:10.0.0.1"),
    written into d."""
    def ossl(*args):
        run(["openssl", *args])
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "30", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt", "-subj", "/CN=hermes-test-ca",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    with open(f"{d}/server.ext", "w") as f:
        extra = f",{sans}" if sans else ""
        f.write(f"subjectAltName=DNS:localhost,IP:127.0.0.1{extra}\nextendedKeyUsage=serverAuth\n")
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr", "-subj", "/CN=localhost")
    ossl("x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey", f"{d}/ca.key",
         "-CAcreateserial", "-days", "30", "-extfile", f"{d}/server.ext", "-out", f"{d}/server.crt")


def tcp_probe_config(interval="10s"):
    """hermes.yml with one cheap tcp probe (to the discard port): for tests about the
    listener, where probing is only background activity."""
    return f"""
global:
  scrape_interval: 1s
probes:
  - name: local
    kind: tcp
    address: "127.0.0.1:9"
    interval: {interval}
    timeout: 1s
    samples: 1
"""


def wait_for(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling, report the last error
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def text(self):
        return self.body.decode("utf-8", "replace")


class Harness(unittest.TestCase):
    """Base class: a temp dir, PKI, and process cleanup."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hermes-e2e-")
        self.procs = []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for p in self.procs:
            for f in (p.stdout_file, p.stderr_file):
                f.close()
        if os.environ.get("HERMES_KEEP_E2E"):
            print("kept", self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, content):
        with open(self.path(name), "w") as f:
            f.write(content)
        return self.path(name)

    def start(self, name, args, **kw):
        out = open(self.path(f"{name}.out"), "w+")
        err = open(self.path(f"{name}.log"), "w+")
        p = subprocess.Popen(args, stdout=out, stderr=err, cwd=self.dir, **kw)
        p.stdout_file, p.stderr_file, p.name = out, err, name
        self.procs.append(p)
        return p

    def log_of(self, p):
        p.stderr_file.flush()
        with open(p.stderr_file.name) as f:
            return f.read()

    def stop(self, p, sig=signal.SIGTERM, timeout=5.0):
        t0 = time.monotonic()
        p.send_signal(sig)
        rc = p.wait(timeout=timeout)
        return rc, time.monotonic() - t0

    # --- Prometheus -----------------------------------------------------------
    def run_prometheus(self, config_text, extra=(), name="prometheus"):
        """Starts Prometheus `name` with `config_text` on a free port, its data in the test
        directory (agent mode when `extra` has --enable-feature=agent), and waits until it
        is ready. Returns the process; its port is p.port, and self.prom_port (the
        server self.query asks) is the first one a test starts."""
        port = free_port()
        agent = "--enable-feature=agent" in extra
        storage = "--storage.agent.path" if agent else "--storage.tsdb.path"
        p = self.start(name, [
            "prometheus", f"--config.file={self.write(name + '.yml', config_text)}",
            f"{storage}={self.path(name + '-data')}",
            f"--web.listen-address=127.0.0.1:{port}", *extra])
        p.port = port
        if not hasattr(self, "prom_port"):
            self.prom_port = port

        def ready():
            self.assertIsNone(p.poll(), self.log_of(p))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
                return r.status == 200
        wait_for(ready, timeout=60, what=f"{name} ready")
        return p

    def query(self, expr, port=None):
        """The result list of a Prometheus instant query (to self.prom_port unless `port`);
        fails the test on an error."""
        url = f"http://127.0.0.1:{port or self.prom_port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        self.assertEqual(body["status"], "success", body)
        return body["data"]["result"]

    # --- hermes-specific ---------------------------------------------------
    def setup_tls_and_token(self, token="s3cret-token-e2e"):
        make_pki(self.dir)
        self.token = token
        self.write("token", token + "\n")
        self.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        self.ssl_ctx = ctx

    def start_exporter(self, config_text, extra=(), tls=True, name="hermes"):
        self.write("hermes.yml", config_text)
        self.port = free_port()
        args = [binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
                "--web.listen-address", f"127.0.0.1:{self.port}", *extra]
        if tls:
            args += ["--web.config.file", self.path("web.yml"),
                     "--web.bearer-token-file", self.path("token")]
        p = self.start(name, args)
        scheme = "https" if tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        wait_for(lambda: p.poll() is None and self.get("/-/ready").status == 200,
                 timeout=15, what="hermes-exporter ready")
        return p

    def get(self, path, token=None, method="GET", headers=None, use_token=True):
        hdrs = dict(headers or {})
        tok = token if token is not None else getattr(self, "token", None)
        if use_token and tok:
            hdrs["Authorization"] = f"Bearer {tok}"
        req = urllib.request.Request(self.base + path, method=method, headers=hdrs,
                                     data=b"" if method == "POST" else None)
        ctx = getattr(self, "ssl_ctx", None) if self.base.startswith("https") else None
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())


def parse_metrics(text):
    """{(name, frozenset(labels.items())): value} from text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        if "{" in name_labels:
            name, _, rest = name_labels.partition("{")
            labels = {}
            for part in _split_labels(rest.rstrip("}")):
                k, _, v = part.partition("=")
                labels[k] = json.loads(v)
        else:
            name, labels = name_labels, {}
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def _split_labels(s):
    parts, cur, quoted, esc = [], "", False, False
    for c in s:
        if esc:
            cur += c
            esc = False
            continue
        if c == "\\":
            esc = True
            cur += c
            continue
        if c == '"':
            quoted = not quoted
        if c == "," and not quoted:
            parts.append(cur)
            cur = ""
            continue
        cur += c
    if cur:
        parts.append(cur)
    return parts


def metric(metrics, name, **labels):
    for (n, ls), v in metrics.items():
        if n == name and all((k, val) in ls for k, val in labels.items()):
            return v
    return None


def gunzip(b):
    return gzip.decompress(b)
