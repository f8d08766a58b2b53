"""The whole Prometheus stack against real hermes binaries (SPEC section 9).

hermes-target (TLS, STAMP) <- hermes-exporter (speedtest with loaded_stamp, http over
https, tcp, dns, icmp, stamp)
<- Prometheus (TLS + bearer token, 1 s scrapes, the shipped alert and recording rules)
-> Alertmanager (routes and inhibitions of alerts/alertmanager.example.yml)
-> a webhook catcher in this test. A tiny DNS responder serves the dns probe.

One scenario, in order:
1. healthy: every probe succeeds; every rule evaluates without error and every
   recording rule yields data; every family the dashboards and rules use is exposed
   (assets_test.py's live check).
2. broken: hermes-target is killed. HermesProbeFailing reaches the webhook (pager
   receiver) with the right labels and annotations, and Alertmanager inhibits
   HermesProbeStale of the same probe (it is suppressed, never delivered).
3. restored: hermes-target restarts on the same port; HermesProbeFailing is
   delivered as resolved.
4. dashboards: every panel query and template variable of dashboards/*.json, with
   the variables substituted, returns data from this Prometheus (the broken phase
   provides the failure data the failure panels need).
5. exporter stopped: HermesExporterDown pages for this job and instance.

Run: HERMES_BUILD_DIR=build/release python3 tests/e2e/fullstack_test.py
"""
import http.server
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import urllib.request

import dashboard_check
from assets_test import yaml_load
from dashboard_check import finite_values
from harness import SOURCE_DIR, Harness, binary, free_port, wait_for

ALERTS = os.path.join(SOURCE_DIR, "alerts")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

PROBES = ("st", "web", "tcp", "dns", "icmp", "stamp", "rpm")
JOB = "hermes"  # the rules' convention: exporter jobs match .*hermes.* (README, "Alerts, dashboards and runbook")

# The speed test is bound by its duration, not by max_bytes (which loopback moves in
# milliseconds): only then does it take 100 ms throughput samples after the warm-up
# and loaded-latency pings (every 200 ms after warm-up), which the throughput-sample
# heatmaps and the loaded-latency/bufferbloat panels need. 600 ms per direction every
# 10 s keeps the CPU cost small.
HERMES_CONFIG = """
global:
  scrape_interval: 1s
  instance: e2e-fullstack
probes:
  - name: st
    kind: speedtest
    url: https://127.0.0.1:{target_port}
    interval: 10s
    timeout: 8s
    tls_config: {{ca_file: {dir}/ca.crt}}
    latency: {{samples: 3}}
    download: {{streams: 1, duration: 600ms, warmup: 100ms, max_bytes: 2GB}}
    upload: {{streams: 1, duration: 600ms, warmup: 100ms, max_bytes: 2GB}}
    expect: {{download: 1Mbit, upload: 1Mbit, latency: 1s}}
    loaded_stamp: {{address: "127.0.0.1:{stamp_port}", interval: 20ms}}
  - name: web
    kind: http
    url: "https://127.0.0.1:{target_port}/__down?bytes=1000"
    interval: 2s
    timeout: 1500ms
    tls_config: {{ca_file: {dir}/ca.crt}}
  - {{name: tcp, kind: tcp, address: "127.0.0.1:{target_port}", interval: 2s, timeout: 1s,
     samples: 3}}
  - {{name: dns, kind: dns, query: hermes.test, type: A, server: "127.0.0.1:{dns_port}",
     interval: 2s, timeout: 1s}}
  - {{name: icmp, kind: icmp, host: 127.0.0.1, interval: 2s, timeout: 1s, samples: 3}}
  - {{name: stamp, kind: stamp, address: "127.0.0.1:{stamp_port}", interval: 2s,
     timeout: 1500ms, count: 20, packet_interval: 10ms}}
  - name: rpm
    kind: responsiveness
    url: https://127.0.0.1:{target_port}
    interval: 20s
    timeout: 6s
    directions: [download]
    max_duration: 4s
    max_bytes: 20GB
    tls_config: {{ca_file: {dir}/ca.crt}}
    expect: {{rpm: 1}}
"""

# A Prometheus scrape job for hermes with TLS and the token (str.format: job, dir, port).
SCRAPE_JOB = """
  - job_name: {job}
    scheme: https
    tls_config: {{ca_file: {dir}/ca.crt}}
    authorization: {{credentials_file: {dir}/token}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""
PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: [{dir}/hermes-alerts.yml, {dir}/hermes-recording.yml]
alerting:
  alertmanagers:
    - static_configs: [{{targets: ["127.0.0.1:{am_port}"]}}]
scrape_configs:""" + SCRAPE_JOB

# `for:` per alert in the test copy of the rules. The shipped durations (5m-30m) would
# make this test take an hour; what the test checks (routing, labels, annotations,
# inhibition, resolution) does not depend on them. Range windows ([5m], [1h], ...)
# are left alone so the expressions stay the shipped ones. HermesProbeStale and
# HermesPacketLoss get a longer `for:` than HermesProbeFailing, which inhibits them:
# all three become true about two intervals after the last success (stale can even
# be first), and Alertmanager only inhibits once the failing alert has arrived; the
# shipped config gets that margin from group_wait (30s), the test's 1s does not give
# it.
FOR_DEFAULT = "2s"
FOR_OVERRIDES = {"HermesProbeStale": "6s", "HermesPacketLoss": "6s"}


# Queries allowed to return no data, with the reason. Keep this empty unless a panel
# can truly not have data in any setup this test can build.
NO_DATA_EXEMPT = {}


def fast_rules(text):
    """The alert rules with every `for:` shortened (see FOR_OVERRIDES), as JSON (which
    Prometheus reads as YAML)."""
    doc = yaml_load(text, "hermes-alerts.yml")
    for group in doc["groups"]:
        for rule in group["rules"]:
            assert "for" in rule, f"{rule['alert']}: no `for:`"
            rule["for"] = FOR_OVERRIDES.get(rule["alert"], FOR_DEFAULT)
    return json.dumps(doc, indent=1)


def fast_recording_rules(text):
    """Recording rules evaluated every second instead of every minute (windows kept)."""
    doc = yaml_load(text, "hermes-recording.yml")
    assert [g.get("interval") for g in doc["groups"]] == ["1m"], "expected one 1m group"
    doc["groups"][0]["interval"] = "1s"
    return json.dumps(doc, indent=1)


def recorded_names():
    with open(os.path.join(ALERTS, "hermes-recording.yml")) as f:
        doc = yaml_load(f.read(), "hermes-recording.yml")
    return [r["record"] for g in doc["groups"] for r in g["rules"]]


def alertmanager_config(text, webhook_url):
    """alerts/alertmanager.example.yml with short grouping delays and our webhook."""
    for key, value in (("group_wait", "1s"), ("group_interval", "1s")):
        text, n = re.subn(rf"(?m)^(\s+){key}: \S+\s*$", rf"\g<1>{key}: {value}", text)
        assert n >= 1, f"alertmanager.example.yml: no {key}"
    text, n = re.subn(r'(?m)^(\s+- url: )"?http://[^"\s]+"?\s*$', rf'\g<1>"{webhook_url}"', text)
    assert n >= 2, "alertmanager.example.yml: expected a webhook url per receiver"
    return text


class Webhook:
    """Collects the JSON payloads Alertmanager POSTs."""

    def __init__(self):
        self.payloads, self.lock = [], threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.payloads.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hermes"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self, **labels):
        """(receiver, alert) of every delivered alert whose labels include `labels`."""
        with self.lock:
            return [(p["receiver"], a) for p in self.payloads for a in p["alerts"]
                    if all(a["labels"].get(k) == v for k, v in labels.items())]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class DnsResponder:
    """Answers every A query with 127.0.0.1 (UDP, one thread)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(data), addr)
                self.queries += 1
            except (OSError, ValueError, struct.error):
                continue

    @staticmethod
    def _answer(q):
        qid, _, qdcount = struct.unpack("!HHH", q[:6])
        if qdcount != 1:
            raise ValueError("one question expected")
        i = 12
        while q[i] != 0:  # question name labels
            i += 1 + q[i]
        question = q[12:i + 5]
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
        answers = b""
        if qtype == 1:  # A
            answers = struct.pack("!HHHIH4s", 0xC00C, 1, 1, 60, 4, socket.inet_aton("127.0.0.1"))
        header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1 if answers else 0, 0, 0)
        return header + question + answers

    def close(self):
        self.sock.close()


def refuse_token_and_handshake(test, port):
    """Conditions some exporter-health panels need, on the hermes at test.base (`port`): a
    refused token and a failed TLS handshake (counted by hermes, shown by the
    auth/rejected-connection panels)."""
    test.assertEqual(test.get("/metrics", token="wrong-token").status, 401)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"this is not a TLS client hello\r\n\r\n")
        s.settimeout(5)
        try:
            s.recv(100)
        except OSError:
            pass


class FullStackTest(Harness):
    maxDiff = None

    def setUp(self):
        super().setUp()
        for tool in ("prometheus",):
            if not shutil.which(tool):
                self.fail(f"{tool} is not installed (scripts/deps.sh test installs it)")
        if not ALERTMANAGER:
            self.fail("prometheus-alertmanager is not installed (scripts/deps.sh test)")
        self.webhook = Webhook()
        self.addCleanup(self.webhook.close)
        self.dns = DnsResponder()
        self.addCleanup(self.dns.close)

    # --- helpers -------------------------------------------------------------
    def http_json(self, url, timeout=5):
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.load(r)

    def start_target(self):
        self.target = self.start("hermes-target", [
            binary("hermes-target"), "--web.listen-address", f"127.0.0.1:{self.target_port}",
            "--web.config.file", self.path("web.yml"),
            f"--stamp.listen-address=127.0.0.1:{self.stamp_port}"])

        def healthy():
            self.assertIsNone(self.target.poll(), self.log_of(self.target))
            req = urllib.request.Request(f"https://127.0.0.1:{self.target_port}/-/healthy")
            with urllib.request.urlopen(req, context=self.ssl_ctx, timeout=2) as r:
                return r.status == 200
        wait_for(healthy, timeout=15, what="hermes-target healthy")

    def start_alertmanager(self):
        self.am_port = free_port()
        with open(os.path.join(ALERTS, "alertmanager.example.yml")) as f:
            self.write("alertmanager.yml", alertmanager_config(f.read(), self.webhook.url))
        p = self.start("alertmanager", [
            ALERTMANAGER, f"--config.file={self.path('alertmanager.yml')}",
            f"--storage.path={self.path('am-data')}",
            f"--web.listen-address=127.0.0.1:{self.am_port}",
            "--cluster.listen-address="])  # no HA gossip port
        wait_for(lambda: p.poll() is None and self.http_json(
            f"http://127.0.0.1:{self.am_port}/api/v2/status") is not None,
            timeout=30, what="alertmanager up")

    def start_prometheus(self):
        with open(os.path.join(ALERTS, "hermes-alerts.yml")) as f:
            self.write("hermes-alerts.yml", fast_rules(f.read()))
        with open(os.path.join(ALERTS, "hermes-recording.yml")) as f:
            self.write("hermes-recording.yml", fast_recording_rules(f.read()))
        p = self.run_prometheus(PROMETHEUS_CONFIG.format(
            dir=self.dir, port=self.port, am_port=self.am_port, job=JOB))
        wait_for(lambda: p.poll() is None and self.query(f'up{{job="{JOB}"}} == 1'),
                 timeout=60, what=f"up{{job={JOB}}} == 1")

    def am_alerts(self, alertname):
        url = (f"http://127.0.0.1:{self.am_port}/api/v2/alerts?"
               + urllib.parse.urlencode({"filter": f'alertname="{alertname}"'}))
        return self.http_json(url)

    # --- the scenario ----------------------------------------------------------
    def test_full_stack(self):
        t0 = time.monotonic()
        self.setup_tls_and_token()
        self.target_port, self.stamp_port = free_port(), free_port(udp=True)
        self.start_target()
        self.exporter = self.start_exporter(HERMES_CONFIG.format(
            target_port=self.target_port, stamp_port=self.stamp_port, dns_port=self.dns.port,
            dir=self.dir))
        self.start_alertmanager()
        self.start_prometheus()

        self.healthy_phase()
        self.broken_phase()
        self.restored_phase()
        self.dashboard_queries()
        self.exporter_down()
        print(f"\nfullstack scenario took {time.monotonic() - t0:.0f}s", file=sys.stderr)

    def healthy_phase(self):
        wait_for(lambda: len(self.query(f'hermes_probe_success{{job="{JOB}"}} == 1')) == len(PROBES),
                 timeout=60, what="every probe successful in Prometheus")
        self.assertGreater(self.dns.queries, 0)
        # Every rule evaluates on real data without error (e.g. no many-to-many joins).
        def unhealthy_rules():
            groups = self.http_json(f"http://127.0.0.1:{self.prom_port}/api/v1/rules")
            rules = [r for g in groups["data"]["groups"] for r in g["rules"]]
            self.assertGreater(len(rules), 20)
            return [(r["name"], r["health"], r.get("lastError")) for r in rules
                    if r["health"] != "ok"]
        wait_for(lambda: not unhealthy_rules(), timeout=30, what="all rules healthy")
        self.assertEqual(unhealthy_rules(), [])
        # Nothing alerts while everything is healthy.
        self.assertEqual(self.query('ALERTS{alertstate="firing"}'), [])
        # Every recording rule yields data here (a rule that never does is broken).
        records = recorded_names()
        self.assertGreater(len(records), 5)
        for rec in records:
            with self.subTest(record=rec):
                wait_for(lambda: finite_values(self.query(rec)), timeout=30,
                         what=f"data from recording rule {rec}")
        # The live metric-name check of assets_test.py against this exporter.
        env = dict(os.environ, HERMES_METRICS_URL=f"{self.base}/metrics",
                   HERMES_METRICS_TOKEN=self.token, HERMES_METRICS_CA_FILE=self.path("ca.crt"))
        r = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "assets_test.py"),
                            "-v", "LiveMetricsTest"], env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("test_families_exposed", r.stderr)
        self.assertNotIn("skipped", r.stderr)

        refuse_token_and_handshake(self, self.port)
        # The rejected handshake raises a warning, routed to the ticket receiver.
        got = wait_for(lambda: [x for x in self.webhook.alerts(
            alertname="HermesConnectionsRejected") if x[1]["status"] == "firing"],
            timeout=60, what="HermesConnectionsRejected at the webhook")
        receiver, alert = got[0]
        self.assertEqual(receiver, "hermes-ticket", "warnings go to the ticket receiver")
        self.assertEqual(alert["labels"]["severity"], "warning")
        self.assertEqual(alert["labels"]["reason"], "tls_handshake")

    def broken_phase(self):
        self.target.kill()
        self.target.wait()

        def failing(probe):
            got = [(rcv, a) for rcv, a in self.webhook.alerts(alertname="HermesProbeFailing",
                                                              probe=probe)
                   if a["status"] == "firing"]
            return got
        # (web: "network" when the kill hit a request in flight.)
        for probe, reason in (("tcp", "connect"), ("web", "(connect|network)")):
            got = wait_for(lambda: failing(probe), timeout=60,
                           what=f"HermesProbeFailing{{probe={probe}}} at the webhook")
            receiver, alert = got[0]
            self.assertEqual(receiver, "hermes-pager", "critical alerts page")
            labels = alert["labels"]
            self.assertEqual(labels["severity"], "critical")
            self.assertEqual(labels["job"], JOB)
            self.assertEqual(labels["instance"], f"127.0.0.1:{self.port}")
            ann = alert["annotations"]
            self.assertEqual(ann["summary"],
                             f"Probe {probe} on 127.0.0.1:{self.port} is failing")
            self.assertIn(f"Probe {probe} on 127.0.0.1:{self.port} (job {JOB})",
                          ann["description"])
            # The annotation's query found the failure reason.
            self.assertRegex(ann["description"],
                             rf"Most frequent failure reason in the last hour: {reason} "
                             r"\(failed runs: \d")
            self.assertEqual(ann["runbook_url"], "https://github.com/hermes-exporter/hermes/"
                             "blob/main/README.md#runbook-hermesprobefailing")
        # Inhibition: the stale alert of a failing probe fires in Prometheus but
        # Alertmanager suppresses it.
        wait_for(lambda: self.query('ALERTS{alertname="HermesProbeStale", probe="tcp", '
                                    'alertstate="firing"}'),
                 timeout=60, what="HermesProbeStale{probe=tcp} firing in Prometheus")

        def stale_suppressed():
            got = [a for a in self.am_alerts("HermesProbeStale") if a["labels"]["probe"] == "tcp"]
            return got and got[0]["status"]["state"] == "suppressed" and got[0]["status"]["inhibitedBy"]
        wait_for(stale_suppressed, timeout=30, what="HermesProbeStale{probe=tcp} suppressed")
        time.sleep(2)  # two group intervals: a non-inhibited alert would have been sent
        self.assertEqual(self.webhook.alerts(alertname="HermesProbeStale", probe="tcp"), [])

    def restored_phase(self):
        self.start_target()
        for probe in ("tcp", "web"):
            wait_for(lambda: [a for _, a in self.webhook.alerts(alertname="HermesProbeFailing",
                                                                probe=probe)
                              if a["status"] == "resolved"],
                     timeout=60, what=f"HermesProbeFailing{{probe={probe}}} resolved at the webhook")
        wait_for(lambda: len(self.query(f'hermes_probe_success{{job="{JOB}"}} == 1')) == len(PROBES),
                 timeout=60, what="every probe successful again")
        # No check that the stale alert stays undelivered from here on: when source and
        # target of an inhibition resolve in the same evaluation, Prometheus posts them
        # separately and a group flush in between (1 s group_interval here, 5m shipped)
        # can deliver the target as firing. That is Alertmanager's design, not hermes'.

    def exporter_down(self):
        """The job convention of the rules matches this scrape config: stopping the
        exporter pages with HermesExporterDown for this job and instance."""
        self.stop(self.exporter)
        got = wait_for(lambda: [x for x in self.webhook.alerts(alertname="HermesExporterDown")
                                if x[1]["status"] == "firing"],
                       timeout=60, what="HermesExporterDown at the webhook")
        receiver, alert = got[0]
        self.assertEqual(receiver, "hermes-pager")
        self.assertEqual({k: alert["labels"].get(k) for k in ("job", "instance", "severity")},
                         {"job": JOB, "instance": f"127.0.0.1:{self.port}",
                          "severity": "critical"})
        self.assertEqual(alert["annotations"]["summary"],
                         f"hermes exporter 127.0.0.1:{self.port} is down")

    def dashboard_queries(self):
        qs = dashboard_check.queries(dashboard_check.substitutions(JOB, f"127.0.0.1:{self.port}", PROBES))
        self.assertGreater(len(qs), 40)
        # Variables must offer exactly this setup's values.
        for var, want in (("job", {JOB}), ("instance", {f"127.0.0.1:{self.port}"}), ("probe", set(PROBES))):
            self.assertEqual(dashboard_check.variable_values(self.query, qs, var, var), want, var)
        missing = dashboard_check.without_data(self.query, qs)
        unexempted = {w: v for w, v in missing.items() if w not in NO_DATA_EXEMPT}
        self.assertEqual(unexempted, {}, "dashboard queries without data "
                         "(fix the dashboard in mixin/dashboards/ or make the test exercise the family)")


if __name__ == "__main__":
    unittest.main()
