"""Starting hermes and its peers on loopback (or in a namespace) with run-time ports.

Each start_* returns a Server: the process, its base URL, its ready URL and the CA that
verifies it. hermes-exporter and node_exporter read the same exporter-toolkit web
config file, so they serve /metrics with the same certificate and TLS settings.
"""
import os
import time

import util

WEB_YML = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"


class Server:
    def __init__(self, name, proc, base, ready_path, ca=None, netns=None):
        self.name, self.proc, self.base, self.ca, self.netns = name, proc, base, ca, netns
        self.ready_url = base + ready_path

    def get(self, path, **kw):
        return ns_get(self.netns, self.base + path, self.ca, **kw)


def ns_get(netns, url, ca=None, **kw):
    """HTTP GET from inside `netns` (None: this namespace)."""
    if netns is None:
        return util.http_get(url, ca, **kw)
    import netns as nsmod
    with nsmod.entered(netns):
        return util.http_get(url, ca, **kw)


class Env:
    """Working directory, PKI, shared web config, binaries, and the process owner."""

    def __init__(self, workdir, build_dir):
        self.dir, self.build_dir = workdir, build_dir
        self.procs = util.Procs(workdir)
        util.harness.make_pki(workdir)
        self.ca = self.path("ca.crt")
        self.web_yml = self.write("web.yml", WEB_YML)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def binary(self, name):
        p = os.path.join(self.build_dir, name)
        if not os.path.exists(p):
            raise FileNotFoundError(f"{p} is not built (see bench/README or --build-dir)")
        return p

    # --- hermes ----------------------------------------------------------------
    def start_target(self, tls=True, name="hermes-target", host="127.0.0.1", netns=None,
                     extra=(), port=None):
        port = port or util.free_port()
        args = [self.binary("hermes-target"), "--web.listen-address", f"{host}:{port}",
                "--log.level", "warn", *extra]
        if tls:
            args += ["--web.config.file", self.web_yml]
        p = self.procs.start(name, args, netns=netns)
        scheme = "https" if tls else "http"
        s = Server(name, p, f"{scheme}://{host}:{port}", "/-/healthy", self.ca if tls else None)
        s.port = port
        util.wait_ready(s.ready_url, s.ca, proc=p,
                        get=lambda u, ca, **kw: ns_get(netns, u, ca, **kw))
        return s

    def start_exporter(self, config_text, name="hermes-exporter", tls=True, netns=None,
                       host="127.0.0.1", wait=True):
        """netns: run inside that namespace (port 10516 there) and talk to it from inside."""
        cfg = self.write(f"{name}.yml", config_text)
        port = 10516 if netns else util.free_port()
        args = [self.binary("hermes-exporter"), "--config.file", cfg,
                "--web.listen-address", f"{host}:{port}", "--web.enable-lifecycle",
                # wrk opens up to 50 connections from one address; the defaults (64 / 8
                # per IP) are meant for a few Prometheus servers, not a load generator.
                "--web.max-connections", "128", "--web.max-connections-per-ip", "128",
                "--log.level", "warn"]
        if tls:
            args += ["--web.config.file", self.web_yml]
        p = self.procs.start(name, args, netns=netns)
        scheme = "https" if tls else "http"
        s = Server(name, p, f"{scheme}://{host}:{port}", "/-/ready", self.ca if tls else None,
                   netns=netns)
        if wait:
            s.ready_seconds = util.wait_ready(
                s.ready_url, s.ca, proc=p, get=lambda u, ca, **kw: ns_get(netns, u, ca, **kw))
        return s

    # --- peers -------------------------------------------------------------------
    def start_node_exporter(self, wait=True):
        port = util.free_port()
        args = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                f"--web.config.file={self.web_yml}", "--collector.disable-defaults",
                "--collector.cpu", "--collector.meminfo", "--collector.loadavg",
                "--collector.netdev", "--collector.filesystem", "--collector.diskstats",
                # Default 40 concurrent requests would answer 503 to part of wrk's 50
                # connections; hermes' own limits are raised the same way.
                "--web.max-requests=0", "--log.level=warn"]
        p = self.procs.start("node_exporter", args)
        s = Server("node_exporter", p, f"https://127.0.0.1:{port}", "/metrics", self.ca)
        if wait:
            s.ready_seconds = util.wait_ready(s.ready_url, s.ca, proc=p)
        return s

    def start_blackbox(self, wait=True):
        port = util.free_port()
        cfg = self.write("blackbox.yml", f"""modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      tls_config:
        ca_file: {self.ca}
  tcp_connect:
    prober: tcp
    timeout: 5s
  icmp:
    prober: icmp
    timeout: 5s
""")
        args = ["prometheus-blackbox-exporter", f"--config.file={cfg}",
                f"--web.listen-address=127.0.0.1:{port}", f"--web.config.file={self.web_yml}",
                "--log.level=warn"]
        p = self.procs.start("blackbox_exporter", args)
        s = Server("blackbox_exporter", p, f"https://127.0.0.1:{port}", "/-/healthy", self.ca)
        if wait:
            s.ready_seconds = util.wait_ready(s.ready_url, s.ca, proc=p)
        return s

    def start_nginx(self, root, tls=False, name="nginx"):
        """One worker serving `root`; with tls, over the certificate hermes uses, with
        the protocols hermes allows and unlimited keep-alive requests (as hermes)."""
        port = util.free_port()
        listen = f"127.0.0.1:{port}"
        if tls:
            listen += f""" ssl;
    ssl_certificate {self.path('server.crt')};
    ssl_certificate_key {self.path('server.key')};
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 1000000"""
        conf = self.write(f"{name}.conf", f"""daemon off;
worker_processes 1;
pid {self.path(name + '.pid')};
error_log {self.path(name + '.err')} warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type "text/plain; version=0.0.4; charset=utf-8";
  client_body_temp_path {self.dir};
  proxy_temp_path {self.dir};
  fastcgi_temp_path {self.dir};
  uwsgi_temp_path {self.dir};
  scgi_temp_path {self.dir};
  server {{
    listen {listen};
    root {root};
  }}
}}
""")
        p = self.procs.start(name, ["nginx", "-c", conf, "-e", self.path(name + ".err")])
        util.wait_port("127.0.0.1", port)
        scheme = "https" if tls else "http"
        return Server(name, p, f"{scheme}://127.0.0.1:{port}", "/", self.ca if tls else None)


def trigger(exporter, probe, timeout=60.0):
    """POST /-/trigger for one probe, retrying while it is busy or rate-limited."""
    deadline = time.monotonic() + timeout
    while True:
        code, body = exporter.get(f"/-/trigger?probe={probe}", method="POST")
        if code == 202:
            return
        if code not in (409, 429) or time.monotonic() > deadline:
            raise RuntimeError(f"trigger {probe}: HTTP {code} {body[:200]!r}")
        time.sleep(0.2)


def trigger_and_wait(exporter, probe, timeout=60.0):
    """Triggers one probe and waits until its run counter moves; returns the metrics."""
    before = runs_total(exporter, probe)
    deadline = time.monotonic() + timeout
    trigger(exporter, probe, timeout)
    while time.monotonic() < deadline:
        m = scrape(exporter)
        if runs(m, probe) > before:
            return m
        time.sleep(0.1)
    raise RuntimeError(f"probe {probe} did not finish within {timeout}s")


def scrape(server):
    code, body = server.get("/metrics", timeout=10)
    if code != 200:
        raise RuntimeError(f"{server.name} /metrics: HTTP {code}")
    return util.harness.parse_metrics(body.decode())


def runs(metrics, probe):
    return util.harness.metric(metrics, "hermes_probe_runs_total", probe=probe) or 0


def runs_total(exporter, probe):
    return runs(scrape(exporter), probe)
