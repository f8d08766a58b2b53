"""A real Prometheus scrapes hermes-exporter over TLS with a bearer token.

Asserts through Prometheus' HTTP API that the target is up and that probe and
build metrics are stored; a job with the wrong token sees the target down (401).
"""
import json
import shutil
import socket
import threading
import unittest
import urllib.request

from harness import Harness, wait_for

HERMES_CONFIG = """
global:
  scrape_interval: 1s
  instance: e2e
probes:
  - name: local_tcp
    kind: tcp
    address: "127.0.0.1:{tcp_port}"
    interval: 1s
    timeout: 800ms
    samples: 3
"""

PROMETHEUS_CONFIG = """
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: hermes
    scheme: https
    tls_config: {{ca_file: {dir}/ca.crt}}
    authorization: {{credentials_file: {dir}/token}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
  - job_name: hermes-wrong-token
    scheme: https
    tls_config: {{ca_file: {dir}/ca.crt}}
    authorization: {{credentials_file: {dir}/wrong-token}}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
"""


class PrometheusScrapeTest(Harness):
    def setUp(self):
        super().setUp()
        if not shutil.which("prometheus"):
            self.fail("prometheus is not installed (scripts/deps.sh test installs it)")
        # A TCP listener for the tcp probe to connect to.
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.addCleanup(self.listener.close)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
                c.close()
            except OSError:
                return

    def targets(self):
        url = f"http://127.0.0.1:{self.prom_port}/api/v1/targets"
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)["data"]["activeTargets"]

    def test_prometheus_scrapes_over_tls_with_bearer_token(self):
        self.setup_tls_and_token()
        self.write("wrong-token", "not-the-token\n")
        tcp_port = self.listener.getsockname()[1]
        self.start_exporter(HERMES_CONFIG.format(tcp_port=tcp_port))

        self.run_prometheus(PROMETHEUS_CONFIG.format(dir=self.dir, port=self.port))

        wait_for(lambda: self.query('up{job="hermes"} == 1'), timeout=60,
                 what="up{job=hermes} == 1")
        wait_for(lambda: self.query('hermes_probe_success{job="hermes",probe="local_tcp"} == 1'),
                 timeout=30, what="hermes_probe_success == 1 stored in Prometheus")
        build = self.query('hermes_build_info{job="hermes"}')
        self.assertEqual(len(build), 1, build)
        self.assertIn("version", build[0]["metric"])
        self.assertTrue(self.query('hermes_probe_runs_total{job="hermes",probe="local_tcp"} > 0'))

        # The wrong token is refused: Prometheus reports the target down with a 401.
        wait_for(lambda: self.query('up{job="hermes-wrong-token"} == 0'), timeout=30,
                 what="up{job=hermes-wrong-token} == 0")
        wrong = [t for t in self.targets() if t["labels"]["job"] == "hermes-wrong-token"]
        self.assertEqual(wrong[0]["health"], "down")
        self.assertIn("401", wrong[0]["lastError"])
        # ... while the right one keeps working from the same address.
        self.assertTrue(self.query('up{job="hermes"} == 1'))
        # hermes counts the refused scrapes itself.
        wait_for(lambda: self.query(
            'hermes_http_auth_failures_total{job="hermes",reason="invalid"} > 0'),
            timeout=30, what="auth failures counted by hermes")


if __name__ == "__main__":
    unittest.main()
