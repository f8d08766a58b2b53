"""Runs every query of the shipped Grafana dashboards against a real Prometheus.

Used by fullstack_test.py (a Prometheus scraping hermes) and agent_push_test.py (a
central Prometheus fed by remote write): every panel target and template variable of
dashboards/*.json, with the dashboard variables substituted, must return data.
"""
import json
import math
import os
import re
import sys
import time

from harness import SOURCE_DIR

DASHBOARDS = os.path.join(SOURCE_DIR, "dashboards")


def panels(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])  # collapsed rows


def finite_values(result):
    out = []
    for r in result:
        v = float(r["value"][1])
        if not math.isnan(v) and not math.isinf(v):
            out.append(v)
    return out


def substitutions(job, instance, probes):
    """Dashboard variables -> values matching one setup."""
    return {
        "$__rate_interval": "1m",
        "$__interval": "15s",
        "$__range": "5m",
        "$job": job,
        "$instance": instance,
        "$probe": "|".join(probes),
    }


def queries(subst):
    """(where, expr, positive) of every panel target and query variable (as
    count by (label) (...)); `positive`: a heatmap, whose all-zero buckets show nothing."""
    keys = sorted(subst, key=len, reverse=True)

    def expand(e):
        for k in keys:
            e = e.replace(k, subst[k])
        if "$" in e:
            raise AssertionError(f"unknown dashboard variable in {e}")
        return e

    out = []
    for name in sorted(os.listdir(DASHBOARDS)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(DASHBOARDS, name)) as f:
            d = json.load(f)
        for v in d["templating"]["list"]:
            if v["type"] != "query":
                continue
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.fullmatch(r"label_values\((.+),\s*([A-Za-z_]+)\)", q)
            if not m:
                raise AssertionError(f"{name} ${v['name']}: {q}")
            out.append((f"{name} variable ${v['name']}", f"count by ({m.group(2)}) ({expand(m.group(1))})",
                        False))
        for p in panels(d):
            for t in p.get("targets", []):
                out.append((f"{name} {p['title']!r} {t['refId']}", expand(t["expr"]),
                            p["type"] == "heatmap"))
    return out


def without_data(query, qs, timeout=45.0):
    """{where: (expr, result)} of the queries that returned no usable data within
    `timeout` (some look at the last minute only, so each gets a few chances).
    `query(expr)` returns Prometheus' instant-query result list."""
    pending, last = list(qs), {}
    deadline = time.monotonic() + timeout
    while pending:
        for where, e, _ in pending:
            last[where] = (e, query(e))
        pending = [(w, e, pos) for w, e, pos in pending
                   if not [v for v in finite_values(last[w][1]) if not pos or v > 0]]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(2)
    if os.environ.get("HERMES_FULLSTACK_VERBOSE"):
        for where, (e, result) in sorted(last.items()):
            print(f"{len(result):3d} series  {where}: {e}", file=sys.stderr)
    print(f"\n{len(qs)} dashboard queries, {len(pending)} without data", file=sys.stderr)
    return {w: last[w] for w, _, _ in pending}


def variable_values(query, qs, var, label):
    """The values the template variable `var` offers (label `label`)."""
    for where, e, _ in qs:
        if where.endswith(f"variable ${var}"):
            return {r["metric"].get(label) for r in query(e)}
    raise AssertionError(f"no variable ${var}")
