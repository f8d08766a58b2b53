"""hermes-exporter as a process: flags, exit codes, endpoints, auth, reload, shutdown."""
import json
import os
import signal
import socket
import threading
import time
import unittest

from harness import Harness, binary, free_port, gunzip, metric, parse_metrics, run, wait_for

TCP_CONFIG = """
global:
  scrape_interval: 1s
probes:
  - name: {name}
    kind: tcp
    address: "127.0.0.1:{port}"
    interval: 2s
    timeout: 1s
    samples: 2
"""


class Listener:
    """A TCP listener that accepts and closes, for tcp probes."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                return

    def close(self):
        self.sock.close()


class StallingServer:
    """Accepts connections and never answers: keeps an HTTP probe in flight."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                return

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


class ExporterCliTest(Harness):
    def test_version_prints_build_metadata(self):
        r = run([binary("hermes-exporter"), "--version"])
        self.assertIn("hermes-exporter, version", r.stdout)
        self.assertIn("compiler", r.stdout)

    def test_unknown_flag_exits_1(self):
        r = run([binary("hermes-exporter"), "--no.such-flag"], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown flag --no.such-flag", r.stderr)

    def test_config_check_accepts_valid_and_rejects_invalid_with_key_path(self):
        good = self.write("good.yml", TCP_CONFIG.format(name="ok", port=1))
        r = run([binary("hermes-exporter"), "--config.check", "--config.file", good], check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        bad = self.write("bad.yml", TCP_CONFIG.format(name="ok", port=1).replace(
            "samples: 2", "samples: 0"))
        r = run([binary("hermes-exporter"), "--config.check", "--config.file", bad], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("probes[0].samples", r.stderr)

    def test_config_check_validates_web_config(self):
        good = self.write("good.yml", TCP_CONFIG.format(name="ok", port=1))
        web = self.write("web.yml", "tls_server_config:\n  cert_file: a.crt\n  bogus: 1\n")
        r = run([binary("hermes-exporter"), "--config.check", "--config.file", good,
                 "--web.config.file", web], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bogus", r.stderr)

    def test_bind_failure_exits_2(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            port = s.getsockname()[1]
            cfg = self.write("c.yml", TCP_CONFIG.format(name="ok", port=1))
            r = run([binary("hermes-exporter"), "--config.file", cfg,
                     "--web.listen-address", f"127.0.0.1:{port}"], check=False, timeout=10)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"127.0.0.1:{port}", r.stderr)


class ExporterServingTest(Harness):
    def setUp(self):
        super().setUp()
        self.listener = Listener()
        self.addCleanup(self.listener.close)

    def config(self, name="local"):
        return TCP_CONFIG.format(name=name, port=self.listener.port)

    def test_plain_http_serves_metrics_with_warning(self):
        p = self.start_exporter(self.config(), tls=False)
        r = self.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        self.assertIn("# HELP hermes_probe_success", r.text())
        self.assertIn("TLS is disabled", self.log_of(p))

    def test_auth_and_endpoints_over_tls(self):
        self.setup_tls_and_token()
        p = self.start_exporter(self.config())
        self.assertEqual(self.get("/-/healthy", use_token=False).status, 200)
        self.assertEqual(self.get("/-/ready", use_token=False).status, 200)
        for path in ("/metrics", "/", "/-/status"):
            r = self.get(path, use_token=False)
            self.assertEqual(r.status, 401, path)
            self.assertIn("Bearer", r.headers["WWW-Authenticate"])
        self.assertEqual(self.get("/metrics", token="wrong").status, 401)
        r = self.get("/metrics")
        self.assertEqual(r.status, 200)
        all_series = parse_metrics(r.text())
        # Every series of the probe exists from startup.
        self.assertIsNotNone(metric(all_series, "hermes_probe_failures_total", probe="local",
                                    reason="timeout"))
        self.assertEqual(metric(all_series, "hermes_metrics_series"),
                         float(sum(1 for _ in all_series)))
        # gzip when asked
        r = self.get("/metrics", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertIn(b"hermes_build_info", gunzip(r.body))
        # landing page and status JSON
        self.assertIn("/metrics", self.get("/").text())
        wait_for(lambda: json.loads(self.get("/-/status").text())["probes"][0]["last_run"],
                 what="a completed run in /-/status")
        st = json.loads(self.get("/-/status").text())
        self.assertEqual(st["probes"][0]["name"], "local")
        self.assertTrue(st["probes"][0]["last_success"])
        # method and body rules
        self.assertEqual(self.get("/metrics", method="POST").status, 405)
        self.assertNotIn(self.token, self.log_of(p))

    def test_lifecycle_disabled_answers_403(self):
        self.start_exporter(self.config(), tls=False)
        self.assertEqual(self.get("/-/reload", method="POST").status, 403)
        self.assertEqual(self.get("/-/trigger?probe=local", method="POST").status, 403)

    def test_reload_rejects_bad_config_and_applies_good_one(self):
        p = self.start_exporter(self.config(), tls=False, extra=["--web.enable-lifecycle"])
        self.write("hermes.yml", self.config().replace("samples: 2", "samples: nope"))
        r = self.get("/-/reload", method="POST")
        self.assertEqual(r.status, 400)
        self.assertIn("probes[0].samples", r.text())
        m = parse_metrics(self.get("/metrics").text())
        self.assertEqual(metric(m, "hermes_config_last_reload_successful"), 0)
        self.assertIsNotNone(metric(m, "hermes_probe_runs_total", probe="local"))
        # SIGHUP with the still-bad file keeps the old config too.
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        self.assertEqual(p.poll(), None)
        self.write("hermes.yml", self.config(name="renamed"))
        self.assertEqual(self.get("/-/reload", method="POST").status, 200)
        m = parse_metrics(self.get("/metrics").text())
        self.assertEqual(metric(m, "hermes_config_last_reload_successful"), 1)
        self.assertIsNotNone(metric(m, "hermes_probe_runs_total", probe="renamed"))
        self.assertIsNone(metric(m, "hermes_probe_runs_total", probe="local"))

    def test_sighup_reload(self):
        p = self.start_exporter(self.config(), tls=False)
        self.write("hermes.yml", self.config(name="after_hup"))
        p.send_signal(signal.SIGHUP)
        wait_for(lambda: metric(parse_metrics(self.get("/metrics").text()),
                                "hermes_probe_runs_total", probe="after_hup") is not None,
                 timeout=5, what="probe after_hup after SIGHUP")

    def test_trigger_states(self):
        self.start_exporter(self.config(), tls=False, extra=["--web.enable-lifecycle"])
        self.assertEqual(self.get("/-/trigger?probe=nope", method="POST").status, 404)
        self.assertEqual(self.get("/-/trigger", method="POST").status, 400)
        codes = [self.get("/-/trigger?probe=local", method="POST").status for _ in range(2)]
        self.assertIn(codes[0], (202, 409))
        self.assertIn(codes[1], (409, 429))

    def test_sigterm_with_probe_in_flight_exits_within_2s(self):
        stall = StallingServer()
        self.addCleanup(stall.close)
        cfg = f"""
global:
  scrape_interval: 1s
probes:
  - name: stuck
    kind: http
    url: "http://127.0.0.1:{stall.port}/"
    interval: 30s
    timeout: 25s
"""
        p = self.start_exporter(cfg, tls=False, extra=["--web.enable-lifecycle"])
        self.get("/-/trigger?probe=stuck", method="POST")
        wait_for(lambda: stall.conns, timeout=5, what="probe connected to the stalling server")
        rc, elapsed = self.stop(p, signal.SIGTERM)
        self.assertEqual(rc, 0)
        self.assertLess(elapsed, 2.0)


if __name__ == "__main__":
    unittest.main()
