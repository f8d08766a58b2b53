#!/usr/bin/env python3
"""Sites behind NAT: hermes -> Prometheus in agent mode -> remote write -> central Prometheus.

Two sites, "a" and "b", each run hermes-exporter (TLS + token) and a Prometheus agent
(`--enable-feature=agent`) with `external_labels: {site: ...}` that scrapes it and
remote-writes to a central Prometheus (`--web.enable-remote-write-receiver`, no scrape
configs of its own). Both agents give their target the same instance name, as two
sites scraping "localhost" would. The central Prometheus loads the mixin's rules
rendered with `clusterLabels: ['site']` (README, "Sites behind NAT").

1. hermes series arrive centrally with each site's external label, and every probe of
   both sites succeeds there;
2. the central rules evaluate without error, while the default rules
   (`clusterLabels: []`) cannot join the two sites' series (many-to-many), which is
   what the setting is for;
3. every query of the shipped dashboards returns data from the central Prometheus;
4. site b's agent stops (the site goes offline): HermesExporterAbsent fires for
   {job="hermes", site="b"} and not for site a.

A second test checks the scrape-interval warning with a real scraper: an agent that
scrapes every 2 s a hermes whose global.scrape_interval is 1s gets logged.

Run: HERMES_BUILD_DIR=build/release python3 tests/e2e/agent_push_test.py
"""
import json
import shutil
import socket
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

import dashboard_check
from fullstack_test import HERMES_CONFIG, PROBES, SCRAPE_JOB, DnsResponder, refuse_token_and_handshake
from harness import SOURCE_DIR, Harness, binary, free_port, wait_for

JOB = "hermes"
INSTANCE = "hermes.site:10516"  # both sites' agents call their target this
# Site b: light probes, one of them failing (the failure panels need data), and a
# "tcp" probe named like site a's, so that the sites' series differ only by `site`.
SITE_B_CONFIG = """
global:
  scrape_interval: 1s
  instance: e2e-site-b
probes:
  - {{name: tcp, kind: tcp, address: "127.0.0.1:{target_port}", interval: 2s, timeout: 1s, samples: 3}}
  - {{name: closed, kind: tcp, address: "127.0.0.1:{closed_port}", interval: 2s, timeout: 1s, samples: 1}}
"""
AGENT_CONFIG = """
global:
  scrape_interval: {interval}
  scrape_timeout: 900ms
  external_labels: {{site: {site}}}
scrape_configs:""" + SCRAPE_JOB + """    relabel_configs:
      - {{target_label: instance, replacement: "{instance}"}}
remote_write:
  - url: http://127.0.0.1:{central_port}/api/v1/write
    queue_config: {{batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}}
"""
CENTRAL_CONFIG = """
global:
  evaluation_interval: 1s
rule_files: [{dir}/central-alerts.yml, {dir}/central-recording.yml]
"""
# The mixin as a central Prometheus fed by several sites uses it; `for:` shortened so the
# test does not wait 15 minutes (windows and expressions unchanged).
CENTRAL_MIXIN = """
local m = (import 'mixin/mixin.libsonnet') + {
  _config+:: {
    clusterLabels: ['site'],
    recordingRulesInterval: '1s',
    alerts: std.mapWithKey(function(name, a) a { 'for': '1s' }, super.alerts),
  },
};
{ alerts: m.prometheusAlerts, recording: m.prometheusRules }
"""


class AgentPushTest(Harness):
    def query_error(self, expr):
        """The error of a query that Prometheus refuses (None if it succeeds)."""
        try:
            self.query(expr)
            return None
        except urllib.error.HTTPError as e:
            return json.load(e).get("error", "")

    def start_agent(self, site, hermes_port, central_port, interval="1s"):
        return self.run_prometheus(
            AGENT_CONFIG.format(interval=interval, site=site, job=JOB, dir=self.dir, port=hermes_port,
                                instance=INSTANCE, central_port=central_port),
            ["--enable-feature=agent"], name=f"agent-{site}")

    def start_site_exporter(self, name, config):
        """hermes-exporter on a free port with `config` (shares the TLS files and token)."""
        self.write(f"{name}.yml", config)
        port = free_port()
        p = self.start(name, [binary("hermes-exporter"), "--config.file", self.path(f"{name}.yml"),
                              "--web.listen-address", f"127.0.0.1:{port}",
                              "--web.config.file", self.path("web.yml"),
                              "--web.bearer-token-file", self.path("token")])
        self.base = f"https://127.0.0.1:{port}"
        wait_for(lambda: p.poll() is None and self.get("/-/ready").status == 200,
                 timeout=15, what=f"{name} ready")
        return p, port

    def setUp(self):
        super().setUp()
        for tool in ("prometheus", "jsonnet"):
            if not shutil.which(tool):
                self.fail(f"{tool} is not installed (scripts/deps.sh test installs it)")
        self.setup_tls_and_token()

    def test_two_sites_push_to_central(self):
        dns = DnsResponder()
        self.addCleanup(dns.close)
        target_port, stamp_port = free_port(), free_port(udp=True)
        target = self.start("hermes-target", [
            binary("hermes-target"), "--web.listen-address", f"127.0.0.1:{target_port}",
            "--web.config.file", self.path("web.yml"),
            f"--stamp.listen-address=127.0.0.1:{stamp_port}"])
        self.addCleanup(lambda: target.poll() is None and target.kill())

        # Central Prometheus: the rules of the mixin for several sites.
        render = subprocess.run(["jsonnet", "-J", SOURCE_DIR, "-e", CENTRAL_MIXIN], capture_output=True,
                                text=True, check=True, timeout=120)
        rules = json.loads(render.stdout)
        for key in ("alerts", "recording"):
            with open(self.path(f"central-{key}.yml"), "w") as f:
                json.dump(rules[key], f)  # JSON is YAML
        central = self.run_prometheus(
            CENTRAL_CONFIG.format(dir=self.dir), ["--web.enable-remote-write-receiver",
                                                  # An offline site's last samples count for 15 s, not 5 minutes.
                                                  "--query.lookback-delta=15s"], name="central")

        # Site a: every probe kind. Site b: light probes, one failing.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))  # bound, never listening: connects are refused
            closed_port = s.getsockname()[1]
            hermes_a, port_a = self.start_site_exporter("hermes-a", HERMES_CONFIG.format(
                target_port=target_port, stamp_port=stamp_port, dns_port=dns.port, dir=self.dir))
            refuse_token_and_handshake(self, port_a)
            hermes_b, port_b = self.start_site_exporter("hermes-b", SITE_B_CONFIG.format(
                target_port=target_port, closed_port=closed_port))
            self.start_agent("a", port_a, central.port)
            agent_b = self.start_agent("b", port_b, central.port)

            # 1. Series arrive centrally with each site's label.
            def arrived():
                got = self.query(f'hermes_build_info{{job="{JOB}"}}')
                return sorted((r["metric"]["site"], r["metric"]["instance"]) for r in got)
            self.assertEqual(wait_for(lambda: len(arrived()) == 2 and arrived(), timeout=60,
                                      what="hermes_build_info of both sites at the central Prometheus"),
                             [("a", INSTANCE), ("b", INSTANCE)])
            wanted = {("a", p) for p in PROBES} | {("b", "tcp")}

            def successes():
                return {(r["metric"]["site"], r["metric"]["probe"])
                        for r in self.query(f'hermes_probe_success{{job="{JOB}"}} == 1')}
            wait_for(lambda: successes() >= wanted, timeout=60, what="every probe of both sites successful")
            self.assertEqual(self.query('count(hermes_probe_runs_total{site!~"a|b"})'), [],
                             "hermes series without a site label")
            # up comes after a scrape's samples, possibly in a later remote-write batch.
            wait_for(lambda: {r["metric"]["site"] for r in self.query(f'up{{job="{JOB}"}}')} == {"a", "b"},
                     timeout=30, what="up of both sites at the central Prometheus")

            # 2. Rules for several sites evaluate cleanly; the single-site join cannot.
            def unhealthy():
                with urllib.request.urlopen(f"http://127.0.0.1:{central.port}/api/v1/rules",
                                            timeout=5) as r:
                    groups = json.load(r)["data"]["groups"]
                rs = [x for g in groups for x in g["rules"]]
                self.assertGreater(len(rs), 20)
                return [(x["name"], x.get("lastError")) for x in rs if x["health"] != "ok"]
            wait_for(lambda: not unhealthy() and self.query("probe:hermes_probe_seconds_since_last_success"),
                     timeout=30, what="central rules healthy and recording")
            stale = "time() - (hermes_probe_last_success_timestamp_seconds > 0 or on (job, instance, probe) " \
                    "hermes_probe_last_success_timestamp_seconds * 0 + on (job, instance) group_left " \
                    "process_start_time_seconds)"
            self.assertIn("many-to-many", self.query_error(stale) or "")
            self.assertIsNone(self.query_error(stale.replace("on (job", "on (site, job")))

            # 3. The shipped dashboards work on the central Prometheus.
            qs = dashboard_check.queries(dashboard_check.substitutions(JOB, INSTANCE, PROBES + ("closed",)))
            self.assertEqual(dashboard_check.variable_values(self.query, qs, "instance", "instance"), {INSTANCE})
            self.assertEqual(dashboard_check.without_data(self.query, qs), {}, "dashboard queries without data")

            # 4. Site b goes offline: its agent stops, nothing arrives from it any more.
            self.assertEqual(self.query('ALERTS{alertname="HermesExporterAbsent"}'), [])
            self.stop(agent_b)

            def absent():
                return [(r["metric"]["site"], r["metric"]["job"], r["metric"]["alertstate"])
                        for r in self.query('ALERTS{alertname="HermesExporterAbsent"}')]
            wait_for(lambda: ("b", JOB, "firing") in absent(), timeout=60,
                     what="HermesExporterAbsent{site=b} firing at the central Prometheus")
            self.assertEqual(absent(), [("b", JOB, "firing")])
            self.assertIsNone(central.poll())
            for p in (hermes_a, hermes_b):
                self.assertNotIn("scrapes arrive at another interval", self.log_of(p))

    def test_scraper_at_another_interval_is_logged(self):
        """global.scrape_interval 1s, scraped every 2s by a real Prometheus agent."""
        hermes, port = self.start_site_exporter("hermes", """
global:
  scrape_interval: 1s
probes:
  - {name: local, kind: tcp, address: "127.0.0.1:9", interval: 10s, timeout: 1s, samples: 1}
""")
        # Remote write goes to a free port, nowhere; the agent keeps retrying.
        self.start_agent("x", port, free_port(), interval="2s")
        line = wait_for(lambda: [l for l in self.log_of(hermes).splitlines()
                                 if "scrapes arrive at another interval" in l],
                        timeout=60, what="the interval warning")[0]
        self.assertIn("client=127.0.0.1", line)
        self.assertIn("interval=2s", line)
        self.assertIn("scrape_interval=1s", line)


if __name__ == "__main__":
    unittest.main()
