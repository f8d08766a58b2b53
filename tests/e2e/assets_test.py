#!/usr/bin/env python3
"""Checks the shipped Prometheus-stack assets (SPEC section 9).

    python3 tests/e2e/assets_test.py [-v]          # from anywhere; exits non-zero on failure

- promtool check rules / test rules, amtool check-config (skipped with a message when a
  tool is missing; HERMES_REQUIRE_TOOLS=1 turns that into a failure);
- every alert: severity, summary, description, runbook_url whose anchor exists in
  README.md; unit tests that fire and that stay silent for every alert; every
  recording rule tested;
- dashboards: stable uid, ${datasource} everywhere, job/instance/probe variables,
  non-empty queries, units (that rules and dashboards are what the mixin generates is
  tests/e2e/mixin_test.py's job);
- every metric name and label matcher used in rules, annotations and dashboards is in
  the SPEC section 7 contract below;
- optional live check: HERMES_METRICS_URL=http://host:10516/metrics (and
  HERMES_METRICS_TOKEN=..., HERMES_METRICS_CA_FILE=... for https) verifies that each
  used family is really exposed (tests/e2e/fullstack_test.py runs it).

Python standard library only (a small YAML-subset reader is included for the rule and
test files; it is cross-checked against PyYAML when that happens to be installed).
"""
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALERTS = os.path.join(ROOT, "alerts")
DASHBOARDS = os.path.join(ROOT, "dashboards")
RUNBOOK = os.path.join(ROOT, "README.md")
RULE_FILES = [os.path.join(ALERTS, f) for f in ("hermes-alerts.yml", "hermes-recording.yml")]
AM_EXAMPLE = os.path.join(ALERTS, "alertmanager.example.yml")
DASHBOARD_UIDS = {"hermes-overview.json": "hermes-overview",
                  "hermes-exporter.json": "hermes-exporter"}
RUNBOOK_URL = "https://github.com/hermes-exporter/hermes/blob/main/README.md#runbook-"
WEBHOOK_URL = "http://127.0.0.1:9095/hermes"

# --------------------------------------------------------------------------------------
# The metrics contract (SPEC section 7): family -> (type, labels besides target labels).
# --------------------------------------------------------------------------------------
G, C, H = "gauge", "counter", "histogram"
CONTRACT = {
    "hermes_probe_success": (G, {"probe"}),
    "hermes_probe_runs_total": (C, {"probe"}),
    "hermes_probe_failures_total": (C, {"probe", "reason"}),
    "hermes_probe_skipped_total": (C, {"probe", "reason"}),
    "hermes_probe_duration_seconds": (H, {"probe"}),
    "hermes_probe_last_run_timestamp_seconds": (G, {"probe"}),
    "hermes_probe_last_success_timestamp_seconds": (G, {"probe"}),
    "hermes_probe_interval_seconds": (G, {"probe"}),
    "hermes_probe_timeout_seconds": (G, {"probe"}),
    "hermes_probe_phase_duration_seconds": (G, {"probe", "phase"}),
    "hermes_rtt_seconds": (H, {"probe", "load"}),
    "hermes_latency_seconds": (G, {"probe", "load"}),
    "hermes_jitter_seconds": (G, {"probe", "load"}),
    "hermes_packets_sent_total": (C, {"probe", "load"}),
    "hermes_packets_lost_total": (C, {"probe", "load"}),
    "hermes_packet_loss_ratio": (G, {"probe", "load"}),
    "hermes_packets_lost_one_way_total": (C, {"probe", "load", "direction"}),
    "hermes_jitter_one_way_seconds": (G, {"probe", "load", "direction"}),
    "hermes_packets_duplicated_total": (C, {"probe", "load"}),
    "hermes_packets_reordered_total": (C, {"probe", "load"}),
    "hermes_throughput_bytes_per_second": (G, {"probe", "direction"}),
    "hermes_throughput_sample_bytes_per_second": (H, {"probe", "direction"}),
    "hermes_transferred_bytes_total": (C, {"probe", "direction"}),
    "hermes_http_status_code": (G, {"probe"}),
    "hermes_tls_cert_expiry_timestamp_seconds": (G, {"probe"}),
    "hermes_expected_throughput_bytes_per_second": (G, {"probe", "direction"}),
    "hermes_expected_latency_seconds": (G, {"probe"}),
    "hermes_responsiveness_rpm": (G, {"probe", "direction", "component"}),
    "hermes_responsiveness_confidence": (G, {"probe", "direction"}),
    "hermes_responsiveness_component_seconds": (G, {"probe", "direction", "component"}),
    "hermes_expected_responsiveness_rpm": (G, {"probe"}),
    "hermes_scheduler_start_lag_seconds": (H, set()),
    "hermes_data_budget_projected_bytes": (G, set()),
    "hermes_build_info": (G, {"version", "revision", "compiler"}),
    "hermes_config_last_reload_successful": (G, set()),
    "hermes_config_last_reload_success_timestamp_seconds": (G, set()),
    "hermes_http_requests_total": (C, {"handler", "code"}),
    "hermes_http_request_duration_seconds": (H, {"handler"}),
    "hermes_http_auth_failures_total": (C, {"reason"}),
    "hermes_http_connections": (G, set()),
    "hermes_http_connections_rejected_total": (C, {"reason"}),
    "hermes_metrics_series": (G, set()),
    "hermes_metrics_series_limit": (G, set()),
    "process_cpu_seconds_total": (C, set()),
    "process_resident_memory_bytes": (G, set()),
    "process_open_fds": (G, set()),
    "process_max_fds": (G, set()),
    "process_start_time_seconds": (G, set()),
}
# Series Prometheus itself adds for every target.
SYNTHETIC = {"up": (G, set())}
TARGET_LABELS = {"job", "instance"}

FAILURE_REASONS = {"dns", "connect", "tls", "timeout", "http_status", "rate_limited",
                   "network", "protocol", "unknown"}
# Closed label values (SPEC section 7; connection-reject reasons from metrics_hub.h).
ENUMS = {
    ("hermes_probe_failures_total", "reason"): FAILURE_REASONS,
    ("hermes_probe_skipped_total", "reason"): {"overrun", "bandwidth_busy", "retry_after",
                                               "budget"},
    ("hermes_http_auth_failures_total", "reason"): {"missing", "malformed", "invalid"},
    ("hermes_http_connections_rejected_total", "reason"): {
        "max_connections", "max_connections_per_ip", "tls_handshake"},
    ("hermes_responsiveness_rpm", "component"): {"foreign", "loaded", "total"},
    ("hermes_responsiveness_component_seconds", "component"): {"tcp", "tls", "http", "self"},
    ("*", "phase"): {"resolve", "connect", "tls", "processing", "transfer"},
    ("*", "load"): {"idle", "download", "upload"},
    ("*", "direction"): {"download", "upload"},
    ("*", "handler"): {"metrics", "landing", "healthy", "ready", "status", "reload",
                       "trigger", "other"},
}


def series_names():
    """Series name -> (family, type, allowed labels)."""
    out = {}
    for fam, (typ, labels) in list(CONTRACT.items()) + list(SYNTHETIC.items()):
        if typ == H:
            out[fam + "_bucket"] = (fam, typ, labels | TARGET_LABELS | {"le"})
            out[fam + "_sum"] = (fam, typ, labels | TARGET_LABELS)
            out[fam + "_count"] = (fam, typ, labels | TARGET_LABELS)
        else:
            out[fam] = (fam, typ, labels | TARGET_LABELS)
    return out


SERIES = series_names()

# --------------------------------------------------------------------------------------
# Minimal YAML reader: block mappings/sequences, plain/quoted scalars, |, |-, >, >-
# block scalars, flow sequences of scalars, comments. Enough for our rule/test files.
# --------------------------------------------------------------------------------------


class YamlError(Exception):
    pass


def _strip_comment(s):
    out, q = [], None
    for i, ch in enumerate(s):
        if q:
            if ch == q:
                q = None
        elif ch in "\"'" and (i == 0 or s[i - 1] in " [,:"):
            q = ch
        elif ch == "#" and (i == 0 or s[i - 1] in " \t"):
            break
        out.append(ch)
    return "".join(out).rstrip()


def _scalar(s, where):
    s = s.strip()
    if s == "":
        return None
    if s.startswith('"'):
        if not s.endswith('"') or len(s) < 2:
            raise YamlError(f"{where}: unterminated string")
        return json.loads(s.replace("\\/", "/"))
    if s.startswith("'"):
        if not s.endswith("'") or len(s) < 2:
            raise YamlError(f"{where}: unterminated string")
        return s[1:-1].replace("''", "'")
    if s.startswith("["):
        if not s.endswith("]"):
            raise YamlError(f"{where}: unsupported flow sequence")
        inner = s[1:-1].strip()
        return [] if not inner else [_scalar(x, where) for x in inner.split(",")]
    if s.startswith("{"):
        if s == "{}":
            return {}
        raise YamlError(f"{where}: unsupported flow mapping")
    if s in ("&", "*", "!") or s[0] in "&*!|>":
        raise YamlError(f"{where}: unsupported YAML construct {s!r}")
    if s in ("true", "True"):
        return True
    if s in ("false", "False"):
        return False
    if s in ("null", "~"):
        return None
    if re.fullmatch(r"[-+]?\d+", s):
        return int(s)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?", s):
        return float(s)
    return s


def yaml_load(text, name="<yaml>"):
    raw = text.split("\n")
    lines = []  # (indent, content, lineno, raw line)
    for n, line in enumerate(raw, 1):
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise YamlError(f"{name}:{n}: tab indentation")
        c = _strip_comment(line)
        if c.strip() == "" or c.strip() == "---":
            lines.append((None, "", n, line))
            continue
        lines.append((len(c) - len(c.lstrip(" ")), c.strip(), n, line))
    pos = [0]

    def skip_blank():
        while pos[0] < len(lines) and lines[pos[0]][0] is None:
            pos[0] += 1

    def block_scalar(style, parent_indent):
        buf, ind = [], None
        while pos[0] < len(lines):
            _, _, _, rawl = lines[pos[0]]
            if rawl.strip() == "":
                buf.append("")
                pos[0] += 1
                continue
            li = len(rawl) - len(rawl.lstrip(" "))
            if li <= parent_indent:
                break
            if ind is None:
                ind = li
            if li < ind:
                break
            buf.append(rawl[ind:].rstrip("\n"))
            pos[0] += 1
        while buf and buf[-1] == "":
            buf.pop()
        if style[0] == "|":
            text_ = "\n".join(buf)
        else:
            text_, prev_blank = "", True
            for b in buf:
                if b == "":
                    text_ += "\n"
                    prev_blank = True
                else:
                    text_ += ("" if prev_blank else " ") + b
                    prev_blank = False
        if not style.endswith("-") and buf:
            text_ += "\n"
        return text_

    def value_after_key(rest, indent, n):
        rest = rest.strip()
        if rest in ("|", "|-", ">", ">-"):
            pos[0] += 1
            return block_scalar(rest, indent)
        if rest == "":
            pos[0] += 1
            skip_blank()
            if pos[0] < len(lines):
                ni, nc, _, _ = lines[pos[0]]
                if ni > indent or (ni == indent and nc.startswith("- ") or nc == "-"):
                    return parse_block(ni)
            return None
        pos[0] += 1
        return _scalar(rest, f"{name}:{n}")

    def split_key(content, n):
        m = re.match(r"""^("(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s#][^:]*?)\s*:(\s+|$)(.*)$""", content)
        if not m:
            return None
        key = _scalar(m.group(1), f"{name}:{n}")
        return str(key), m.group(3)

    def parse_block(indent):
        skip_blank()
        ind, content, n, _ = lines[pos[0]]
        if content.startswith("- ") or content == "-":
            seq = []
            while True:
                skip_blank()
                if pos[0] >= len(lines):
                    break
                ind, content, n, _ = lines[pos[0]]
                if ind != indent or not (content.startswith("- ") or content == "-"):
                    if ind is not None and ind > indent:
                        raise YamlError(f"{name}:{n}: bad indentation")
                    break
                item = content[1:].strip()
                item_indent = indent + (len(content) - len(content[1:].lstrip()))
                if item == "":
                    pos[0] += 1
                    skip_blank()
                    seq.append(parse_block(lines[pos[0]][0]))
                elif split_key(item, n) and not item.startswith(("'", '"')) or (
                        item.startswith(("'", '"')) and split_key(item, n)
                        and re.match(r"""^("[^"]*"|'[^']*')\s*:""", item)):
                    # mapping starting on the dash line: rewrite the line in place
                    lines[pos[0]] = (item_indent, item, n, " " * item_indent + item)
                    seq.append(parse_block(item_indent))
                else:
                    pos[0] += 1
                    seq.append(_scalar(item, f"{name}:{n}"))
            return seq
        mapping = {}
        while True:
            skip_blank()
            if pos[0] >= len(lines):
                break
            ind, content, n, _ = lines[pos[0]]
            if ind < indent:
                break
            if ind > indent:
                raise YamlError(f"{name}:{n}: bad indentation")
            if content.startswith("- "):
                break
            kv = split_key(content, n)
            if not kv:
                raise YamlError(f"{name}:{n}: expected 'key: value', got {content!r}")
            key, rest = kv
            if key in mapping:
                raise YamlError(f"{name}:{n}: duplicate key {key!r}")
            mapping[key] = value_after_key(rest, indent, n)
        return mapping

    skip_blank()
    if pos[0] >= len(lines):
        return None
    doc = parse_block(lines[pos[0]][0])
    skip_blank()
    if pos[0] < len(lines):
        raise YamlError(f"{name}:{lines[pos[0]][2]}: unexpected content")
    return doc


def load_yaml_file(path):
    with open(path, encoding="utf-8") as f:
        return yaml_load(f.read(), os.path.relpath(path, ROOT))


# --------------------------------------------------------------------------------------
# PromQL scanning (names and matchers only; promtool/Prometheus validate the syntax).
# --------------------------------------------------------------------------------------
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan", "atan2",
            # aggregation operators ("sum by (x) (...)" has no "(" right after the name)
            "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk",
            "bottomk", "quantile", "count_values"}
SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^{}]*)\}")
MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def scan_promql(expr):
    """Returns (metric names, [(metric or None, label, op, value)])."""
    matchers = []
    for m in SELECTOR.finditer(expr):
        for lm in MATCHER.finditer(m.group(2)):
            matchers.append((m.group(1), lm.group(1), lm.group(2), lm.group(3)))
    s = SELECTOR.sub(lambda m: " " + (m.group(1) or "") + " ", expr)
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r" \1 ", s)
    names = set()
    for m in re.finditer(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?", s):
        tok, call = m.group(1), m.group(2)
        if call or tok.lower() in KEYWORDS:
            continue
        names.add(tok)
    return names, matchers


def check_usage(expr, where, recorded, allow_recorded=True):
    """Contract violations of one PromQL expression (list of strings)."""
    errors = []
    if not expr or not expr.strip():
        return [f"{where}: empty expression"]
    names, matchers = scan_promql(expr)
    for n in sorted(names):
        if ":" in n:
            if not allow_recorded:
                errors.append(f"{where}: uses recording rule {n} (dashboards use raw metrics)")
            elif n not in recorded:
                errors.append(f"{where}: unknown recording rule {n}")
        elif n not in SERIES:
            errors.append(f"{where}: metric {n} is not in the SPEC section 7 contract")
    for metric, label, op, value in matchers:
        if label == "__name__":
            continue
        if metric and metric in SERIES:
            fam, _, allowed = SERIES[metric]
            if label not in allowed:
                errors.append(f"{where}: {metric} has no label {label!r}")
        else:
            fam = metric
        enum = ENUMS.get((fam, label)) or ENUMS.get(("*", label))
        if fam and label == "reason" and (fam, label) not in ENUMS:
            enum = None
        if enum is None or "$" in value:
            continue
        if op in ("=", "!="):
            values = [value]
        elif re.fullmatch(r"[a-z_]+(\|[a-z_]+)*", value):
            values = value.split("|")
        else:
            continue
        for v in values:
            if v not in enum:
                errors.append(f"{where}: {label}={v!r} is not one of {sorted(enum)}")
    return errors


def template_queries(text):
    """PromQL inside `printf \\`...\\`` of alert annotation templates."""
    return re.findall(r"printf\s+`([^`]*)`", text or "")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

def tool(name):
    path = shutil.which(name)
    if not path and os.environ.get("HERMES_REQUIRE_TOOLS") == "1":
        raise AssertionError(f"{name} not found on PATH")
    return path


def run(cmd):
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=300)
    return p.returncode, p.stdout


def rule_groups():
    out = {}
    for path in RULE_FILES:
        out[path] = load_yaml_file(path)["groups"]
    return out


def alerting_rules():
    return [(path, g["name"], r) for path, groups in rule_groups().items()
            for g in groups for r in g["rules"] if "alert" in r]


def recording_rules():
    return [(path, g["name"], r) for path, groups in rule_groups().items()
            for g in groups for r in g["rules"] if "record" in r]


def test_files():
    d = os.path.join(ALERTS, "tests")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".yml", ".yaml")))


def runbook_anchors():
    with open(RUNBOOK, encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r'<a id="([^"]+)"></a>', text)), text


def load_dashboards():
    out = {}
    for name in sorted(os.listdir(DASHBOARDS)):
        if name.endswith(".json"):
            with open(os.path.join(DASHBOARDS, name), encoding="utf-8") as f:
                out[name] = json.load(f)
    return out


def all_panels(d):
    for p in d.get("panels", []):
        yield p
        for c in p.get("panels", []) or []:
            yield c


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


class YamlReaderTest(unittest.TestCase):
    def test_subset(self):
        doc = yaml_load(
            "a: 1\nb: 'x: y' # c\nc:\n  - d: \"q\\\"\"\n    e: >-\n      one\n      two\n"
            "  - f\ng: |\n  l1\n  l2\nh: []\n")
        self.assertEqual(doc, {"a": 1, "b": "x: y", "c": [{"d": 'q"', "e": "one two"}, "f"],
                               "g": "l1\nl2\n", "h": []})
        with self.assertRaises(YamlError):
            yaml_load("a: 1\na: 2\n")

    def test_matches_pyyaml(self):
        try:
            import yaml  # noqa: only for the cross-check
        except ImportError:
            self.skipTest("PyYAML not installed")
        for path in RULE_FILES + test_files() + [AM_EXAMPLE]:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with self.subTest(path=os.path.relpath(path, ROOT)):
                self.assertEqual(yaml_load(text, path), yaml.safe_load(text))


class PromtoolTest(unittest.TestCase):
    def setUp(self):
        self.promtool = tool("promtool")
        if not self.promtool:
            self.skipTest("promtool not installed")

    def test_check_rules(self):
        for path in RULE_FILES:
            with self.subTest(path=path):
                rc, out = run([self.promtool, "check", "rules", path])
                self.assertEqual(rc, 0, out)
                self.assertNotIn("WARNING", out, out)

    def test_unit_tests(self):
        files = test_files()
        self.assertTrue(files, "no alerts/tests/*.yml")
        for path in files:
            with self.subTest(path=path):
                rc, out = run([self.promtool, "test", "rules", path])
                self.assertEqual(rc, 0, out)


class AlertmanagerTest(unittest.TestCase):
    def setUp(self):
        self.amtool = tool("amtool")
        if not self.amtool:
            self.skipTest("amtool not installed")

    def test_check_config(self):
        rc, out = run([self.amtool, "check-config", AM_EXAMPLE])
        self.assertEqual(rc, 0, out)

    def test_routing(self):
        for severity, receiver in (("critical", "hermes-pager"), ("warning", "hermes-ticket")):
            rc, out = run([self.amtool, "config", "routes", "test", "--config.file", AM_EXAMPLE,
                           "alertname=HermesProbeFailing", f"severity={severity}", "probe=x"])
            self.assertEqual(rc, 0, out)
            self.assertEqual(out.strip().splitlines()[-1], receiver, out)

    def test_example_contents(self):
        am = load_yaml_file(AM_EXAMPLE)
        self.assertEqual(am["route"]["group_by"], ["alertname", "probe"])
        urls = [w["url"] for r in am["receivers"] for w in r.get("webhook_configs", [])]
        self.assertIn(WEBHOOK_URL, urls)
        down = [r for r in am["inhibit_rules"]
                if 'alertname = "HermesExporterDown"' in r.get("source_matchers", [])]
        self.assertTrue(down, "no inhibition sourced by HermesExporterDown")
        self.assertEqual(sorted(down[0]["equal"]), ["instance", "job"])


class AlertRulesTest(unittest.TestCase):
    def test_required_alerts_exist(self):
        names = {r["alert"] for _, _, r in alerting_rules()}
        required = {"HermesExporterDown", "HermesProbeFailing", "HermesProbeStale",
                    "HermesThroughputBelowExpected", "HermesLatencyAboveExpected",
                    "HermesBufferbloat", "HermesPacketLoss", "HermesTLSCertificateExpiring",
                    "HermesConfigReloadFailed", "HermesProbeSkipped", "HermesAuthFailuresSpike",
                    "HermesSeriesBudgetNearlyUsed", "HermesResponsivenessBelowExpected"}
        self.assertEqual(required - names, set())

    def test_labels_and_annotations(self):
        anchors, _ = runbook_anchors()
        for path, group, r in alerting_rules():
            name = r["alert"]
            with self.subTest(alert=name, group=group):
                self.assertRegex(name, r"^Hermes[A-Z][A-Za-z]+$")
                labels = r.get("labels") or {}
                ann = r.get("annotations") or {}
                self.assertIn(labels.get("severity"), ("warning", "critical"))
                for key in ("summary", "description", "runbook_url"):
                    self.assertTrue(str(ann.get(key, "")).strip(), f"{name}: missing {key}")
                self.assertIn("$value", ann["summary"] + ann["description"],
                              f"{name}: annotations should show the value")
                url = ann["runbook_url"]
                self.assertEqual(url, RUNBOOK_URL + name.lower())
                self.assertIn(url.split("#", 1)[1], anchors,
                              f"{name}: anchor missing in README.md")
                self.assertIn("for", r, f"{name}: no 'for:' (a single evaluation pages)")
                expr = r["expr"]
                if any(m in expr for m in ("hermes_probe_", "hermes_latency", "hermes_throughput",
                                           "hermes_packet", "hermes_tls")):
                    self.assertIn("{{ $labels.probe }}", ann["description"],
                                  f"{name}: per-probe alert must name the probe")

    def test_runbook_sections(self):
        anchors, text = runbook_anchors()
        for name in sorted({r["alert"] for _, _, r in alerting_rules()}):
            with self.subTest(alert=name):
                anchor = "runbook-" + name.lower()
                self.assertIn(anchor, anchors)
                self.assertRegex(text, rf'<a id="{anchor}"></a>\s*\n#{{3,4}} {name}\n')

    def test_no_specific_le_matchers(self):
        for path, _, r in alerting_rules() + recording_rules():
            self.assertNotRegex(r["expr"], r"\ble\s*(=|!=|=~|!~)",
                                f"{r.get('alert') or r.get('record')}: do not match le values")

    def test_metric_contract(self):
        recorded = {r["record"] for _, _, r in recording_rules()}
        errors = []
        for path, group, r in alerting_rules() + recording_rules():
            where = f"{os.path.basename(path)}:{r.get('alert') or r.get('record')}"
            errors += check_usage(r["expr"], where, recorded)
            for key, text in (r.get("annotations") or {}).items():
                for q in template_queries(text):
                    errors += check_usage(q.replace("%s", "$tmpl"), f"{where}.{key}", recorded)
        self.assertEqual(errors, [])

    def test_recording_rule_names(self):
        for _, _, r in recording_rules():
            self.assertRegex(r["record"], r"^[a-z_]+:hermes_[a-z0-9_]+(:[a-z0-9_]+)?$")

    def test_every_rule_is_unit_tested(self):
        fired, silent, tested_exprs = set(), set(), []
        for path in test_files():
            doc = load_yaml_file(path)
            for t in doc.get("tests") or []:
                for a in t.get("alert_rule_test") or []:
                    exp = a.get("exp_alerts") or []
                    if exp:
                        for e in exp:
                            sev = (e.get("exp_labels") or {}).get("severity")
                            fired.add((a["alertname"], sev))
                            ann = e.get("exp_annotations") or {}
                            self.assertTrue({"summary", "description", "runbook_url"} <= set(ann),
                                            f"{path}: {a['alertname']}: check all annotations")
                    else:
                        silent.add(a["alertname"])
                for e in t.get("promql_expr_test") or []:
                    tested_exprs.append(e["expr"])
        for _, _, r in alerting_rules():
            with self.subTest(alert=r["alert"], severity=r["labels"]["severity"]):
                self.assertIn((r["alert"], r["labels"]["severity"]), fired,
                              "no unit test where it fires")
                self.assertIn(r["alert"], silent, "no unit test where it must not fire")
        for _, _, r in recording_rules():
            with self.subTest(record=r["record"]):
                self.assertTrue(any(re.search(rf"(?<![\w:]){re.escape(r['record'])}(?![\w:])", e)
                                    for e in tested_exprs), "recording rule not tested")


class DashboardTest(unittest.TestCase):
    DS_OK = {"${datasource}", "$datasource"}

    def setUp(self):
        self.dashboards = load_dashboards()

    def test_files_and_uids(self):
        self.assertEqual(set(self.dashboards), set(DASHBOARD_UIDS))
        uids = [d.get("uid") for d in self.dashboards.values()]
        self.assertEqual(len(uids), len(set(uids)), "duplicate uid")
        for name, d in self.dashboards.items():
            with self.subTest(dashboard=name):
                self.assertEqual(d.get("uid"), DASHBOARD_UIDS[name])
                self.assertGreaterEqual(d.get("schemaVersion", 0), 36)
                self.assertIsNone(d.get("id"))
                self.assertTrue(d.get("title"))

    def test_variables(self):
        for name, d in self.dashboards.items():
            with self.subTest(dashboard=name):
                vars_ = {v["name"]: v for v in d["templating"]["list"]}
                ds = vars_.get("datasource")
                self.assertIsNotNone(ds, "no datasource variable")
                self.assertEqual(ds["type"], "datasource")
                self.assertEqual(ds["query"], "prometheus")
                for v in ("job", "instance", "probe"):
                    self.assertIn(v, vars_)
                    var = vars_[v]
                    self.assertEqual(var["type"], "query")
                    self.assertIn(var["datasource"]["uid"], self.DS_OK)
                    self.assertTrue(var["multi"] and var["includeAll"])
                    q = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
                    self.assertRegex(q, r"^label_values\(")

    def test_datasource_everywhere(self):
        def walk(node, path):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "datasource":
                        uid = v.get("uid") if isinstance(v, dict) else v
                        if uid not in self.DS_OK and uid != "-- Grafana --":
                            yield f"{path}.datasource = {v!r}"
                    yield from walk(v, f"{path}.{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    yield from walk(v, f"{path}[{i}]")
        for name, d in self.dashboards.items():
            with self.subTest(dashboard=name):
                self.assertEqual(list(walk(d, name)), [], "hard-coded datasource")
                for p in all_panels(d):
                    if p["type"] == "row":
                        continue
                    self.assertIn(p.get("datasource", {}).get("uid"), self.DS_OK, p["title"])
                    self.assertTrue(p.get("targets"), f"{p['title']}: no targets")
                    for t in p["targets"]:
                        self.assertIn(t.get("datasource", {}).get("uid"), self.DS_OK, p["title"])
                        self.assertTrue(t.get("expr", "").strip(), f"{p['title']}: empty expr")

    def test_panels(self):
        for name, d in self.dashboards.items():
            ids = [p["id"] for p in all_panels(d)]
            self.assertEqual(len(ids), len(set(ids)), f"{name}: duplicate panel ids")
            for p in all_panels(d):
                if p["type"] == "row":
                    continue
                with self.subTest(dashboard=name, panel=p["title"]):
                    self.assertIn("gridPos", p)
                    if p["type"] in ("timeseries", "stat", "bargauge", "gauge"):
                        self.assertTrue(p["fieldConfig"]["defaults"].get("unit"), "no unit")
                    if p["type"] == "heatmap":
                        for t in p["targets"]:
                            self.assertEqual(t.get("format"), "heatmap")
                            self.assertRegex(t["expr"], r"sum by \(le\) \(increase\([a-z_]+_bucket")
                    for t in p["targets"]:
                        self.assertNotRegex(t["expr"], r"\ble\s*(=|!=|=~|!~)")
                        names = scan_promql(t["expr"])[0]
                        if any("probe" in SERIES[n][2] for n in names if n in SERIES):
                            self.assertIn('probe=~"$probe"', t["expr"])
                        if names - {"up"}:
                            self.assertIn('job=~"$job"', t["expr"])
                            self.assertIn('instance=~"$instance"', t["expr"])

    def test_overview_content(self):
        d = self.dashboards["hermes-overview.json"]
        exprs = " ".join(t["expr"] for p in all_panels(d) for t in p.get("targets", []))
        for needle in ("hermes_throughput_bytes_per_second", "hermes_expected_throughput_bytes_per_second",
                       'load="idle"', "hermes_jitter_seconds", "hermes_packet_loss_ratio",
                       "hermes_packets_lost_one_way_total", "hermes_jitter_one_way_seconds",
                       "hermes_rtt_seconds_bucket", "hermes_probe_failures_total",
                       "hermes_probe_phase_duration_seconds", "hermes_transferred_bytes_total",
                       "hermes_tls_cert_expiry_timestamp_seconds", "hermes_probe_success",
                       'hermes_responsiveness_rpm{job=~"$job", instance=~"$instance", probe=~"$probe", component="total"}',
                       "hermes_expected_responsiveness_rpm", "hermes_responsiveness_confidence",
                       "hermes_responsiveness_component_seconds"):
            self.assertIn(needle, exprs)
        units = {p["fieldConfig"]["defaults"].get("unit") for p in all_panels(d) if p["type"] != "row"}
        self.assertTrue({"bps", "s", "percentunit", "decbytes"} <= units, units)

    def test_metric_contract(self):
        errors = []
        for name, d in self.dashboards.items():
            for p in all_panels(d):
                for t in p.get("targets", []):
                    errors += check_usage(t.get("expr", ""), f"{name}:{p.get('title')}",
                                          set(), allow_recorded=False)
            for v in d["templating"]["list"]:
                if v["type"] != "query":
                    continue
                q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
                m = re.fullmatch(r"label_values\((.+),\s*([A-Za-z_]+)\)", q)
                self.assertIsNotNone(m, q)
                errors += check_usage(m.group(1), f"{name}:${v['name']}", set(), False)
                metric = m.group(1).split("{")[0].strip()
                if metric in SERIES and m.group(2) not in SERIES[metric][2]:
                    errors.append(f"{name}:${v['name']}: {metric} has no label {m.group(2)}")
        self.assertEqual(errors, [])

    def test_queries_parse(self):
        """Every dashboard query (variables substituted) is valid PromQL for promtool."""
        promtool = tool("promtool")
        if not promtool:
            self.skipTest("promtool not installed")
        subst = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h",
                 "$job": ".*", "$instance": ".*", "$probe": ".*"}
        rules, where = [], []
        for name, d in self.dashboards.items():
            for p in all_panels(d):
                for t in p.get("targets", []):
                    e = t.get("expr", "")
                    for k in sorted(subst, key=len, reverse=True):
                        e = e.replace(k, subst[k])
                    rules.append({"record": f"dashboard:query:{len(rules)}", "expr": e})
                    where.append(f"{name}: {p['title']} {t['refId']}")
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
            json.dump({"groups": [{"name": "dashboards", "rules": rules}]}, f)  # JSON is YAML
        try:
            rc, out = run([promtool, "check", "rules", f.name])
        finally:
            os.unlink(f.name)
        for m in re.finditer(r"rule (\d+), \"dashboard:query:\d+\": (.*)", out):
            out += f"\n  -> {where[int(m.group(1)) - 1]}: {m.group(2)}"
        self.assertEqual(rc, 0, out)


class ContractScannerTest(unittest.TestCase):
    """The contract checks must catch the mistakes they exist for."""

    def test_detects(self):
        bad = {
            "hermes_probe_sucess": "not in the SPEC",
            "hermes_rtt_seconds": "not in the SPEC",  # histogram without _bucket/_sum/_count
            'hermes_latency_seconds{direction="download"}': "has no label",
            'hermes_latency_seconds{load="busy"}': "is not one of",
            'hermes_probe_failures_total{reason="overrun"}': "is not one of",
            'rate(hermes_probe_skipped_total{reason=~"overrun|quota"}[5m])': "is not one of",
            "foo:bar": "unknown recording rule",
        }
        for expr, msg in bad.items():
            with self.subTest(expr=expr):
                errs = check_usage(expr, "t", set())
                self.assertTrue(errs and msg in errs[0], errs)
        ok = ('sum without (reason) (rate(hermes_probe_failures_total{job=~"$job"}[5m]))'
              ' / on (job, instance, probe) group_left () up{job=~".*hermes.*"} > 1e-09')
        self.assertEqual(check_usage(ok, "t", set()), [])


def used_metric_families():
    """Every contract family used by rules and dashboards (for the live check)."""
    exprs = [r["expr"] for _, _, r in alerting_rules() + recording_rules()]
    for _, _, r in alerting_rules():
        for text in (r.get("annotations") or {}).values():
            exprs += [q.replace("%s", "$tmpl") for q in template_queries(text)]
    for d in load_dashboards().values():
        exprs += [t["expr"] for p in all_panels(d) for t in p.get("targets", [])]
    fams = set()
    for e in exprs:
        for n in scan_promql(e)[0]:
            if n in SERIES and n not in SYNTHETIC:
                fams.add(SERIES[n][0])
    return fams


class LiveMetricsTest(unittest.TestCase):
    """HERMES_METRICS_URL=http://127.0.0.1:10516/metrics: every used family is exposed.

    HERMES_METRICS_TOKEN (bearer token) and HERMES_METRICS_CA_FILE (CA for https) are
    optional; tests/e2e/fullstack_test.py runs this against its live exporter.

    Run it against an exporter whose config has one probe of every kind (and `expect`),
    because families depend on the probe kind."""

    def test_families_exposed(self):
        url = os.environ.get("HERMES_METRICS_URL")
        if not url:
            self.skipTest("HERMES_METRICS_URL not set")
        req = urllib.request.Request(url)
        if os.environ.get("HERMES_METRICS_TOKEN"):
            req.add_header("Authorization", "Bearer " + os.environ["HERMES_METRICS_TOKEN"])
        ctx = None
        if os.environ.get("HERMES_METRICS_CA_FILE"):  # https with a private CA
            ctx = ssl.create_default_context(cafile=os.environ["HERMES_METRICS_CA_FILE"])
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:  # noqa: S310
            text = resp.read().decode("utf-8")
        exposed = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
        missing = sorted(f for f in used_metric_families() if f not in exposed)
        self.assertEqual(missing, [], "families used by alerts/dashboards but not exposed")
        wrong = sorted(f for f in used_metric_families()
                       if exposed[f] != CONTRACT[f][0])
        self.assertEqual(wrong, [], "families with another type than the contract")


if __name__ == "__main__":
    if "--list-metrics" in sys.argv:
        print("\n".join(sorted(used_metric_families())))
        sys.exit(0)
    unittest.main()
