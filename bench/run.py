#!/usr/bin/env python3
"""hermes benchmark and accuracy harness: hermes side by side with node_exporter,
blackbox_exporter, curl, iperf3 and nginx, in one run, on loopback and in private
network namespaces. Prints a table and writes docs/BENCHMARKS.md-ready Markdown.

Usage:
  bench/run.py [--smoke] [--out docs/BENCHMARKS.md] [--build-dir build/release]

--smoke runs every row with tiny durations (about a minute); the numbers are then only
a proof that the harness works (tests/e2e/bench_smoke_test.py runs it). The full run
takes about 10 minutes. Needs root for the accuracy rows (network namespaces, tbf) and
to install missing peers via scripts/deps.sh test (not in --smoke mode, which is a test).
"""
import argparse
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import util  # noqa: E402
import servers  # noqa: E402
import serving  # noqa: E402
import probes  # noqa: E402
import accuracy  # noqa: E402
import report  # noqa: E402

PEER_TOOLS = ["wrk", "iperf3", "nginx", "curl", "prometheus-node-exporter",
              "prometheus-blackbox-exporter", "openssl"]


class Opts:
    def __init__(self, smoke):
        self.smoke = smoke
        self.wrk_seconds = 1 if smoke else 10
        self.starts = 1 if smoke else 5
        self.accel_runs = 6 if smoke else 240
        self.accel_speedtests = 1 if smoke else 4
        self.rss_speedtests = 2 if smoke else 10
        self.saturate_seconds = 2 if smoke else 10
        self.xfer_seconds = 1 if smoke else 5
        self.static_bytes = (256 if smoke else 2048) << 20
        self.warmup = 0.3 if smoke else 1
        self.delays_ms = [10] if smoke else [10, 50]
        self.latency_samples = 5 if smoke else 20
        self.rates_mbit = [50] if smoke else [10, 50, 200, 1000]
        self.acc_seconds = 1 if smoke else 6
        self.acc_warmup = 1  # iperf3 -O takes whole seconds; hermes uses min(this, d/2)
        self.queue_rate_mbit = 50
        self.short_queue_s = 0.005
        self.deep_queue_s = 0.1 if smoke else 0.2


class Rows:
    """The result table. Every row compares hermes with one peer (or ground truth)."""

    def __init__(self):
        self.rows = []

    def add(self, section, what, value, unit, peer=None, peer_value=None, higher_better=False,
            errors=0, note="", truth=None, truth_unit=None, truth_kind="ground truth",
            extra_peer=None, target=None):
        """target: a goal for hermes/peer (at most, or at least when higher_better)."""
        self.rows.append(dict(section=section, what=what, value=value, unit=unit, peer=peer,
                              peer_value=peer_value, higher_better=higher_better,
                              errors=errors, note=note, truth=truth, truth_unit=truth_unit,
                              truth_kind=truth_kind, extra_peer=extra_peer, target=target))
        util.log(report.text_row(self.rows[-1]))

    def fail(self, section, what, err):
        self.rows.append(dict(section=section, what=what, value=None, unit="", peer=None,
                              peer_value=None, higher_better=False, errors=0,
                              note=f"FAILED: {err}", truth=None, truth_unit=None,
                              truth_kind="", extra_peer=None, target=None))


def ensure_tools(smoke):
    missing = [t for t in PEER_TOOLS if shutil.which(t) is None]
    if missing and smoke:  # a test: it installs nothing (scripts/test.sh did)
        sys.exit(f"missing {missing}; run scripts/deps.sh test")
    if missing:
        util.log("missing", missing, "- installing with scripts/deps.sh test")
        subprocess.run([os.path.join(util.SOURCE_DIR, "scripts", "deps.sh"), "test"], check=True)


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 2**20
    distro = ""
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as f:
            distro = dict(line.rstrip().split("=", 1) for line in f if "=" in line) \
                .get("PRETTY_NAME", "").strip('"')
    return f"{cpu}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM, {distro}, Linux {platform.release()}"


def versions(build_dir):
    def first(cmd):
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout or r.stderr).strip().splitlines()[0] if (r.stdout or r.stderr) else "?"
    return {"hermes-exporter": first([os.path.join(build_dir, "hermes-exporter"), "--version"]),
            "node_exporter": first(["prometheus-node-exporter", "--version"]),
            "blackbox_exporter": first(["prometheus-blackbox-exporter", "--version"]),
            "wrk": first(["wrk", "-v"]), "iperf3": first(["iperf3", "--version"]),
            "curl": first(["curl", "--version"]), "nginx": first(["nginx", "-v"])}


def section(rows, name, fn, *a):
    t0 = time.monotonic()
    try:
        fn(*a)
    except Exception as e:  # noqa: BLE001 - one broken section must not hide the others
        traceback.print_exc()
        rows.fail(name, f"section {fn.__name__}", f"{type(e).__name__}: {e}")
    util.log(f"{name}/{fn.__name__} took {time.monotonic() - t0:.1f}s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny durations; checks the harness")
    ap.add_argument("--out", help="write the Markdown report here")
    ap.add_argument("--build-dir", default=os.environ.get(
        "HERMES_BUILD_DIR", os.path.join(util.SOURCE_DIR, "build", "release")))
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    ap.add_argument("--json", help="also save the raw rows here")
    ap.add_argument("--render", metavar="JSON",
                    help="only re-render the Markdown from a saved --json file (no run)")
    args = ap.parse_args()
    if args.render:
        with open(args.render) as f:
            saved = json.load(f)
        saved["ctx"]["sizes"] = {k: tuple(v) for k, v in saved["ctx"].get("sizes", {}).items()}
        md = report.markdown(saved["rows"], saved["meta"], saved["ctx"])
        with open(args.out or "/dev/stdout", "w") as f:
            f.write(md)
        return 0
    build_dir = os.path.abspath(args.build_dir)
    for b in ("hermes-exporter", "hermes-target"):
        if not os.path.exists(os.path.join(build_dir, b)):
            sys.exit(f"bench: {build_dir}/{b} missing; build it first: cmake -S . -B {build_dir} "
                     f"-G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C {build_dir} "
                     "hermes-exporter hermes-target")
    ensure_tools(args.smoke)
    opts = Opts(args.smoke)
    t_start = time.monotonic()
    load_before = util.loadavg()
    workdir = tempfile.mkdtemp(prefix="hermes-bench-")
    env = servers.Env(workdir, build_dir)
    rows = Rows()
    ctx = {}
    try:
        target = env.start_target(tls=True)
        ex = serving.start_realistic(env, target)
        node, bb = env.start_node_exporter(), env.start_blackbox()
        ctx["series"] = util.harness.metric(servers.scrape(ex), "hermes_metrics_series") or 0
        time.sleep(1.0)
        section(rows, "2 footprint", serving.rss_rows, rows,
                "idle RSS (started, every probe run once)", ex, node, bb, 1)

        def scrape_and_size():
            res, sizes = serving.serving(env, rows, opts, target, ex, node, bb)
            ctx["sizes"], ctx["wrk"] = sizes, res
            ctx["gzip_bytes"] = len(ex.get("/metrics", headers={"Accept-Encoding": "gzip"})[1])
            ctx["cpu_per_1000"] = res[("keep-alive, 8 conn", "hermes")]["cpu_per_1000"]

        section(rows, "1 scrape", scrape_and_size)
        section(rows, "2 footprint", serving.footprint_static, env, rows, ex, node, bb)
        for s in (ex, node, bb):
            env.procs.stop(s.proc)
        section(rows, "2 footprint", serving.rss_after_speedtests, env, rows, target, opts)
        section(rows, "2 footprint", serving.start_to_ready, env, rows, target, opts)
        section(rows, "2 footprint", serving.accelerated, env, rows, target, opts)
        plain = env.start_target(tls=False, name="plain-target",
                                 extra=["--max-bytes-per-request", "1000GiB"])
        section(rows, "5 interference", serving.interference, env, rows, opts, plain)
        env.procs.stop(plain.proc)
        section(rows, "3 probe cost", probes.cost_and_ceiling, env, rows, opts)
        section(rows, "4 accuracy", probes.delay_accuracy, env, rows, opts)
        why = accuracy.unavailable()
        if why:
            ctx["skipped"] = f"Shaped-link accuracy rows skipped: {why}."
            util.log(ctx["skipped"])
        else:
            section(rows, "4 accuracy", accuracy.shaped, env, rows, opts)
    finally:
        env.procs.kill_all()
        if args.keep:
            util.log("kept", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    meta = dict(command=" ".join(["bench/run.py", *sys.argv[1:]]),
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                machine=machine(), load_before=load_before, load_after=util.loadavg(),
                seconds=time.monotonic() - t_start, versions=versions(build_dir),
                smoke=args.smoke)
    print(report.text_table(rows.rows))
    if args.json:
        ctx.pop("wrk", None)
        with open(args.json, "w") as f:
            json.dump({"rows": rows.rows, "meta": meta, "ctx": ctx}, f, indent=1)
    md = report.markdown(rows.rows, meta, ctx)
    if args.out:
        with open(args.out, "w") as f:
            f.write(md)
        util.log("wrote", args.out)
    util.log(f"total {meta['seconds']:.0f}s")
    return 1 if any(r["value"] is None for r in rows.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
