#!/usr/bin/env python3
"""Tests of the monitoring mixin (mixin/, jsonnet).

    python3 tests/e2e/mixin_test.py [-v]

- the committed alerts/, dashboards/ and chart copies are exactly what the mixin
  generates (scripts/mixin.sh --check), and the check notices a changed, missing or
  extra file;
- _config works: a customised render (selector, cluster label, thresholds, `for`,
  runbook URL pattern, a disabled alert) changes every rule and dashboard query the
  way the README says, and promtool accepts the result.

Needs jsonnet and promtool (scripts/deps.sh test installs both).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from assets_test import ROOT, all_panels, template_queries, yaml_load

MIXIN_SH = os.path.join(ROOT, "scripts", "mixin.sh")

# A customisation touching every kind of setting.
CUSTOM = """
(import 'mixin/mixin.libsonnet') + {
  _config+:: {
    hermesSelector: 'job="netmon"',
    clusterLabels: ['site'],
    runbookURLPattern: 'https://runbooks.example.net/hermes/%s',
    recordingRulesInterval: '30s',
    alerts+: {
      HermesBufferbloat+: { threshold: 0.25, 'for': '1h' },
      HermesPacketLoss+: { enabled: false },
      HermesTLSCertificateExpiring+: { warningDays: 30 },
    },
  },
}
"""
# Families of hermes itself; `up` is selected by upSelector instead.
OWN_METRIC = re.compile(r"\b((?:hermes|process)_[a-z0-9_]+)\b(\{[^}]*\})?")


def render(jsonnet_text):
    p = subprocess.run(["jsonnet", "-J", ROOT, "-e", jsonnet_text], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    if p.returncode != 0:
        raise AssertionError("jsonnet failed:\n" + p.stderr)
    return json.loads(p.stdout)


def mixin_parts(config=CUSTOM):
    text = f"local m = {config};\n" + \
        "{alerts: m.prometheusAlerts, rules: m.prometheusRules, dashboards: m.grafanaDashboards}"
    return render(text)


def rules_of(doc):
    return [r for g in doc["groups"] for r in g["rules"]]


def dashboard_queries(dashboards):
    """(where, query) of every panel target and query variable."""
    out = []
    for name, d in dashboards.items():
        for p in all_panels(d):
            for t in p.get("targets", []):
                out.append((f"{name} {p['title']}", t["expr"]))
        for v in d["templating"]["list"]:
            if v["type"] == "query":
                out.append((f"{name} ${v['name']}", v["query"]["query"]))
    return out


class Generated(unittest.TestCase):
    def setUp(self):
        if not shutil.which("jsonnet"):
            self.fail("jsonnet is not installed (scripts/deps.sh test installs it)")

    def test_committed_files_are_generated(self):
        p = subprocess.run([MIXIN_SH, "--check"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_check_notices_drift(self):
        """--check fails on a changed file, a missing one and a dashboard the mixin does
        not generate, and naming them; a plain run repairs all three."""
        with tempfile.TemporaryDirectory() as tmp:
            for d in ("mixin", "scripts", "alerts", "dashboards", "helm"):
                shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d),
                                ignore=shutil.ignore_patterns("node_modules", "charts"))
            sh = os.path.join(tmp, "scripts", "mixin.sh")
            with open(os.path.join(tmp, "alerts", "hermes-alerts.yml"), "a") as f:
                f.write("# edited by hand\n")
            os.remove(os.path.join(tmp, "helm", "hermes-exporter", "files", "dashboards",
                                   "hermes-overview.json"))
            with open(os.path.join(tmp, "dashboards", "stray.json"), "w") as f:
                f.write("{}\n")
            p = subprocess.run([sh, "--check"], capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 1)
            for name in ("alerts/hermes-alerts.yml",
                         "helm/hermes-exporter/files/dashboards/hermes-overview.json",
                         "dashboards/stray.json"):
                self.assertIn(name, p.stderr)
            self.assertEqual(subprocess.run([sh], timeout=120).returncode, 0)
            for name in ("alerts/hermes-alerts.yml",
                         "helm/hermes-exporter/files/dashboards/hermes-overview.json"):
                with open(os.path.join(tmp, name)) as a, open(os.path.join(ROOT, name)) as b:
                    self.assertEqual(a.read(), b.read(), name)
            self.assertFalse(os.path.exists(os.path.join(tmp, "dashboards", "stray.json")))


class Customised(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("jsonnet"):
            raise AssertionError("jsonnet is not installed (scripts/deps.sh test installs it)")
        # The default render is what is committed (Generated proves it).
        with open(os.path.join(ROOT, "alerts", "hermes-alerts.yml")) as f:
            cls.default = {"alerts": yaml_load(f.read())}
        cls.custom = mixin_parts()

    def alert(self, name, severity="warning"):
        got = [r for r in rules_of(self.custom["alerts"])
               if r["alert"] == name and r["labels"]["severity"] == severity]
        self.assertEqual(len(got), 1, name)
        return got[0]

    def test_disabled_alert_is_gone(self):
        names = {r["alert"] for r in rules_of(self.custom["alerts"])}
        self.assertNotIn("HermesPacketLoss", names)
        self.assertEqual(names | {"HermesPacketLoss"},
                         {r["alert"] for r in rules_of(self.default["alerts"])})

    def test_thresholds_and_durations(self):
        r = self.alert("HermesBufferbloat")
        self.assertRegex(r["expr"], r"\)\s*> 0\.25\s*$")
        self.assertEqual(r["for"], "1h")
        self.assertIn("(threshold 250ms) for 1 hour", r["annotations"]["description"])
        w = self.alert("HermesTLSCertificateExpiring")
        self.assertIn("< 30 * 86400", w["expr"])
        self.assertIn("warning below 30 days", w["annotations"]["description"])
        c = self.alert("HermesTLSCertificateExpiring", "critical")
        self.assertIn("< 3 * 86400", c["expr"])
        self.assertEqual(self.custom["rules"]["groups"][0]["interval"], "30s")
        # the dashboards draw the alert's threshold
        panel, = [p for p in all_panels(self.custom["dashboards"]["hermes-overview.json"])
                  if p["title"] == "Loaded latency increase (bufferbloat)"]
        self.assertEqual(panel["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"], 0.25)

    def test_runbook_url_pattern(self):
        for r in rules_of(self.custom["alerts"]):
            self.assertEqual(r["annotations"]["runbook_url"],
                             "https://runbooks.example.net/hermes/" + r["alert"].lower())

    def test_selector_on_every_series(self):
        """hermesSelector reaches every hermes_*/process_* selector of every rule and
        dashboard query (annotation queries select one alert's own series by its
        labels and need none)."""
        exprs = [(r.get("alert") or r["record"], r["expr"])
                 for r in rules_of(self.custom["alerts"]) + rules_of(self.custom["rules"])]
        exprs += dashboard_queries(self.custom["dashboards"])
        self.assertGreater(len(exprs), 60)
        missing = []
        for where, e in exprs:
            for m in OWN_METRIC.finditer(e):
                if not m.group(2) or 'job="netmon"' not in m.group(2):
                    missing.append(f"{where}: {m.group(0)}")
        self.assertEqual(missing, [])
        # and the default render has none of it
        for r in rules_of(self.default["alerts"]):
            self.assertNotIn("netmon", r["expr"])

    def test_cluster_label_in_joins_and_templates(self):
        """Every on(...) match keys on the cluster label too, HermesExporterAbsent counts
        per job and site, annotation queries pin the site, and the dashboards get a
        $site variable ahead of job."""
        for r in rules_of(self.custom["alerts"]) + rules_of(self.custom["rules"]):
            for clause in re.findall(r"\bon \(([^)]*)\)", r["expr"]):
                self.assertIn("site", [x.strip() for x in clause.split(",")],
                              f"{r.get('alert') or r['record']}: on ({clause})")
        absent = self.alert("HermesExporterAbsent")
        self.assertIn("count by (site, job)", absent["expr"])
        failing = self.alert("HermesProbeFailing", "critical")
        q, = template_queries(failing["annotations"]["description"])
        self.assertIn('site="%s",job="%s",instance="%s",probe="%s"', q)
        self.assertIn("$labels.site $labels.job", failing["annotations"]["description"])
        for name, d in self.custom["dashboards"].items():
            names = [v["name"] for v in d["templating"]["list"]]
            self.assertEqual(names, ["datasource", "site", "job", "instance", "probe"], name)
            job = d["templating"]["list"][2]
            self.assertEqual(job["query"]["query"],
                             'label_values(hermes_build_info{job="netmon", site=~"$site"}, job)')
        for where, e in dashboard_queries(self.custom["dashboards"]):
            if "label_values" not in e:
                self.assertIn('site=~"$site"', e, where)

    def test_promtool_accepts_customised_rules(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.fail("promtool is not installed (scripts/deps.sh test installs it)")
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for key in ("alerts", "rules"):
                paths.append(os.path.join(tmp, key + ".yml"))
                with open(paths[-1], "w") as f:
                    json.dump(self.custom[key], f)  # JSON is YAML
            p = subprocess.run([promtool, "check", "rules", *paths], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
