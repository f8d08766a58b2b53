"""Sections 1, 2 and 5: /metrics serving, footprint, and interference.

hermes-exporter runs a realistic sidecar config (10 probes of every kind against a
hermes-target on loopback, all histograms populated) and is compared with
node_exporter (same TLS web-config file, six collectors) and blackbox_exporter's own
/metrics (same web config).
"""
import os
import statistics
import threading
import time

import servers
import util

LIGHT = [("http", "health_{i}", 'url: "{target}/-/healthy"\n    tls_config: {{ca_file: "{ca}"}}'),
         ("http", "landing_{i}", 'url: "{target}/"\n    tls_config: {{ca_file: "{ca}"}}'),
         ("tcp", "tcp_{i}", 'address: "127.0.0.1:{port}"\n    samples: 3')]


def hermes_config(target, ca, dns_port, scrape="15s", light="15s", speed_interval="1h"):
    """10 probes: 2 speedtest, 3 http, 3 tcp, 1 dns (server that never answers), 1 icmp."""
    port = target.base.rsplit(":", 1)[1]
    out = [f"global:\n  scrape_interval: {scrape}\n  max_series: 5000\nprobes:\n"]
    for i in range(2):
        out.append(f"""  - name: speed_{i}
    kind: speedtest
    url: "{target.base}"
    interval: {speed_interval}
    timeout: 20s
    tls_config: {{ca_file: "{ca}"}}
    latency: {{samples: 5}}
    download: {{streams: 2, duration: 1s, warmup: 200ms, max_bytes: 200MB}}
    upload: {{streams: 1, duration: 1s, warmup: 200ms, max_bytes: 100MB}}
    expect: {{download: 1Gbit, upload: 1Gbit, latency: 10ms}}
""")
    for n, (kind, name, body) in enumerate((LIGHT[0], LIGHT[1], LIGHT[0], LIGHT[2], LIGHT[2],
                                            LIGHT[2]), start=1):
        out.append(f"  - name: {name.format(i=n)}\n    kind: {kind}\n    interval: {light}\n"
                   f"    {body.format(target=target.base, ca=ca, port=port)}\n")
    out.append(f"""  - name: resolver
    kind: dns
    query: example.com
    server: "127.0.0.1:{dns_port}"
    interval: {light}
  - name: loopback
    kind: icmp
    host: 127.0.0.1
    interval: {light}
    samples: 3
""")
    return "".join(out)


PROBE_NAMES = ["speed_0", "speed_1", "health_1", "landing_2", "health_3", "tcp_4", "tcp_5",
               "tcp_6", "resolver", "loopback"]


def start_realistic(env, target, name="hermes-exporter", **kw):
    dns_port = util.free_port()  # nothing answers there: the dns probe fails (timeout) each run
    ex = env.start_exporter(hermes_config(target, env.ca, dns_port, **kw), name=name)
    # One completed run each, so every histogram has data. Light probes in parallel;
    # speedtests one after the other (they never run together).
    before = servers.scrape(ex)
    light = [p for p in PROBE_NAMES if not p.startswith("speed_")]
    for p in light:
        servers.trigger(ex, p, timeout=30)
    for p in PROBE_NAMES:
        if p.startswith("speed_"):
            servers.trigger_and_wait(ex, p, timeout=30)
    util.harness.wait_for(lambda: all(
        servers.runs(servers.scrape(ex), p) > servers.runs(before, p) for p in light),
        timeout=30, interval=0.2, what="one run of every light probe")
    return ex


def serving(env, rows, opts, target, ex, node, bb):
    """Section 1: wrk against /metrics of the three exporters, and of nginx serving a
    byte-identical copy of hermes' page as a static file over the same TLS."""
    d = opts.wrk_seconds
    targets = [("hermes", ex), ("node_exporter", node), ("blackbox_exporter", bb)]
    sizes = {}
    for label, s in targets:
        code, body = s.get("/metrics")
        sizes[label] = (len(body), sum(1 for line in body.decode().splitlines()
                                       if line and not line.startswith("#")))
        if label == "hermes":
            page = body
    root = env.path("static")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "metrics"), "wb") as f:
        f.write(page)
    nginx = env.start_nginx(root, tls=True, name="nginx-static")
    for label in ("hermes", "node_exporter", "blackbox_exporter"):
        rows.add("1 scrape", f"/metrics size ({label})", sizes[label][0] / 1024, "KiB",
                 note=f"{sizes[label][1]} samples")
    results = {}
    cases = [(c, f"keep-alive, {c} conn", ()) for c in (1, 8, 50)]
    cases.append((8, "new TLS connection per scrape, 8 conn", ("Connection: close",)))
    cases.append((8, "keep-alive + gzip, 8 conn", ("Accept-Encoding: gzip",)))
    for conns, what, hdrs in cases:
        runs = targets + ([("nginx-static", nginx)] if what == "keep-alive, 8 conn" else [])
        for label, s in runs:
            results[(what, label)] = util.wrk_with_cpu(s.proc, s.base + "/metrics", conns, d, hdrs)
            r = results[(what, label)]
            if r["errors"]:
                util.log(f"wrk {label} {what}: {r.get('error_text')}")
        h = results[(what, "hermes")]
        for peer in ("node_exporter", "blackbox_exporter"):
            p = results[(what, peer)]
            rows.add("1 scrape", f"req/s, {what}", h["rps"], "req/s", peer, p["rps"],
                     higher_better=True, errors=h["errors"] + p["errors"])
        p = results[(what, "node_exporter")]
        rows.add("1 scrape", f"p50 latency, {what}", h["p50"] * 1e3, "ms", "node_exporter",
                 p["p50"] * 1e3)
        rows.add("1 scrape", f"p99 latency, {what}", h["p99"] * 1e3, "ms", "node_exporter",
                 p["p99"] * 1e3)
    # CPU per 1000 scrapes, from the 8-connection keep-alive and new-connection runs; and
    # per sample served, since the three /metrics pages differ in size.
    for what in ("keep-alive, 8 conn", "new TLS connection per scrape, 8 conn"):
        h = results[(what, "hermes")]["cpu_per_1000"]
        for peer in ("node_exporter", "blackbox_exporter"):
            rows.add("2 footprint", f"CPU s per 1000 scrapes ({what})", h, "s", peer,
                     results[(what, peer)]["cpu_per_1000"])
    what = "keep-alive, 8 conn"
    h = results[(what, "hermes")]["cpu_per_1000"] / sizes["hermes"][1] * 1e3
    for peer in ("node_exporter", "blackbox_exporter"):
        rows.add("2 footprint", f"CPU µs per sample served ({what})", h, "µs", peer,
                 results[(what, peer)]["cpu_per_1000"] / sizes[peer][1] * 1e3)
    # The cost of a scrape against the cost of sending the same bytes: nginx serves a
    # copy of hermes' page from a file, over the same certificate and TLS versions.
    n = results[(what, "nginx-static")]
    rows.add("1 scrape", f"CPU µs per /metrics request ({what})",
             results[(what, "hermes")]["cpu_per_1000"] * 1e3, "µs",
             "nginx, same bytes static over TLS", n["cpu_per_1000"] * 1e3, target=3,
             errors=n["errors"], note=f"nginx {n['rps']:,.0f} req/s")
    g = results[("keep-alive + gzip, 8 conn", "hermes")]
    rows.add("1 scrape", "CPU µs per gzip /metrics request (8 conn)", g["cpu_per_1000"] * 1e3,
             "µs", "hermes, plain", results[(what, "hermes")]["cpu_per_1000"] * 1e3,
             target=1.5)
    rows.add("1 scrape", f"req/s, {what} (goal)", results[(what, "hermes")]["rps"], "req/s",
             "node_exporter", results[(what, "node_exporter")]["rps"], higher_better=True,
             target=3)
    env.procs.stop(nginx.proc)
    return results, sizes


def footprint_static(env, rows, ex, node, bb):
    hb = env.binary("hermes-exporter")
    peers = {"node_exporter": util.which("prometheus-node-exporter"),
             "blackbox_exporter": util.which("prometheus-blackbox-exporter")}
    for peer, path in peers.items():
        rows.add("2 footprint", "binary size", os.path.getsize(hb) / 2**20, "MiB", peer,
                 os.path.getsize(path) / 2**20, note=binary_note(hb))
    for peer, path in peers.items():
        rows.add("2 footprint", "shared libraries (ldd)", util.ldd_count(hb), "libs", peer,
                 util.ldd_count(path))
    rss_rows(rows, "RSS after the scrape runs (up to 50 conn)", ex, node, bb)


def rss_after_speedtests(env, rows, target, opts):
    """RSS of a fresh exporter after its speedtests ran opts.rss_speedtests times, against
    its own RSS once every probe had run once: what transfers leave behind."""
    ex = start_realistic(env, target, name="rss-hermes")
    time.sleep(1.0)
    idle = util.rss_bytes(ex.proc)
    for i in range(opts.rss_speedtests):
        servers.trigger_and_wait(ex, f"speed_{i % 2}", timeout=60)
    after = util.rss_bytes(ex.proc)
    rows.add("2 footprint", f"RSS after {opts.rss_speedtests} more speed tests", after / 2**20,
             "MiB", "hermes idle (every probe run once)", idle / 2**20, target=1.2)
    env.procs.stop(ex.proc)


def rss_rows(rows, what, ex, node, bb, bb_target=None):
    for peer, s in (("node_exporter", node), ("blackbox_exporter", bb)):
        rows.add("2 footprint", what, util.rss_bytes(ex.proc) / 2**20, "MiB", peer,
                 util.rss_bytes(s.proc) / 2**20,
                 target=bb_target if peer == "blackbox_exporter" else None)


def binary_note(path):
    r = util.run(["file", "-b", path], timeout=10, check=False)
    stripped = "not stripped" not in r.stdout
    return ("stripped" if stripped else "not stripped; `strip` shrinks it") + ", peers are Go"


def start_to_ready(env, rows, target, opts):
    """Median time from spawn to the first 200 on the ready URL, over a few starts."""
    cfg = hermes_config(target, env.ca, util.free_port())
    times = {"hermes": [], "node_exporter": [], "blackbox_exporter": []}
    for _ in range(opts.starts):
        for label, start in (("hermes", lambda: env.start_exporter(cfg, name="ready-hermes")),
                             ("node_exporter", env.start_node_exporter),
                             ("blackbox_exporter", env.start_blackbox)):
            s = start()
            times[label].append(s.ready_seconds)
            env.procs.stop(s.proc)
    h = statistics.median(times["hermes"]) * 1e3
    for peer in ("node_exporter", "blackbox_exporter"):
        rows.add("2 footprint", "start to ready (TLS, 5 ms polling)", h, "ms", peer,
                 statistics.median(times[peer]) * 1e3)


def accelerated(env, rows, target, opts):
    """RSS after an hour's worth of probe runs, compressed in time.

    In an hour at 15 s, each light probe runs 240 times and a 15m speedtest 4 times.
    hermes runs the same 10-probe config with every light interval at 0.5 s (and the
    speedtests triggered 4 times); blackbox_exporter is sent the equivalent /probe
    requests (3 http, 3 tcp, 1 icmp) 240 times; node_exporter is scraped 240 times.
    """
    runs = opts.accel_runs
    ex = start_realistic(env, target, name="accel-hermes", scrape="500ms", light="500ms")
    node = env.start_node_exporter()
    bb = env.start_blackbox()
    rss0 = {"hermes": util.rss_bytes(ex.proc), "node_exporter": util.rss_bytes(node.proc),
            "blackbox_exporter": util.rss_bytes(bb.proc)}
    port = target.base.rsplit(":", 1)[1]
    bb_targets = [("http_2xx", f"{target.base}/-/healthy"), ("http_2xx", f"{target.base}/"),
                  ("http_2xx", f"{target.base}/-/healthy")] + \
        [("tcp_connect", f"127.0.0.1:{port}")] * 3 + [("icmp", "127.0.0.1")]
    t_end = time.monotonic() + runs * 0.5
    speed_done = 0
    stop = threading.Event()

    def scraper():  # a Prometheus scraping hermes every 0.5 s meanwhile
        while not stop.is_set():
            try:
                ex.get("/metrics")
            except OSError:
                pass
            stop.wait(0.5)

    th = threading.Thread(target=scraper, daemon=True)
    th.start()
    try:
        for i in range(runs):
            for mod, t in bb_targets:
                bb.get(f"/probe?module={mod}&target={t}", timeout=10)
            node.get("/metrics")
            if speed_done < opts.accel_speedtests and i >= speed_done * runs // 4:
                servers.trigger_and_wait(ex, f"speed_{speed_done % 2}", timeout=30)
                speed_done += 1
        time.sleep(max(0.0, t_end - time.monotonic()))
    finally:
        stop.set()
        th.join()
    m = servers.scrape(ex)
    light_runs = util.harness.metric(m, "hermes_probe_runs_total", probe="tcp_4") or 0
    rss = {"hermes": util.rss_bytes(ex.proc), "node_exporter": util.rss_bytes(node.proc),
           "blackbox_exporter": util.rss_bytes(bb.proc)}
    for peer in ("node_exporter", "blackbox_exporter"):
        rows.add("2 footprint", "RSS after an hour-equivalent of probing", rss["hermes"] / 2**20,
                 "MiB", peer, rss[peer] / 2**20,
                 note=f"hermes {int(light_runs)} runs/light probe (target {runs}); "
                      f"growth hermes {(rss['hermes'] - rss0['hermes']) / 2**20:+.1f} MiB, "
                      f"{peer} {(rss[peer] - rss0[peer]) / 2**20:+.1f} MiB")
    for s in (ex, node, bb):
        env.procs.stop(s.proc)


def interference(env, rows, opts, target_plain):
    """Section 5: hermes /metrics p99 while its own speedtest saturates loopback.

    The peer row runs node_exporter under the same kind of load (iperf3 -P4 on
    loopback), which separates "the machine is busy" from "hermes' own probe hurts
    its /metrics".
    """
    cfg = f"""global:
  scrape_interval: 1s
probes:
  - name: saturate
    kind: speedtest
    url: "{target_plain.base}"
    interval: 1h
    timeout: {opts.saturate_seconds + 20}s
    latency: {{samples: 3}}
    download: {{streams: 4, duration: {opts.saturate_seconds + 2}s, warmup: 500ms, max_bytes: 1000GB}}
    upload: {{enabled: false}}
"""
    ex = env.start_exporter(cfg, name="interf-hermes")
    d = min(opts.wrk_seconds, opts.saturate_seconds)
    idle = util.wrk(ex.base + "/metrics", 8, d)
    done = {}

    def run_probe():
        done["m"] = servers.trigger_and_wait(ex, "saturate", timeout=opts.saturate_seconds + 60)

    th = threading.Thread(target=run_probe)
    th.start()
    time.sleep(1.0)  # past warm-up: the probe is moving data now
    loaded = util.wrk(ex.base + "/metrics", 8, d)
    th.join()
    env.procs.stop(ex.proc)
    tput = util.harness.metric(done["m"], "hermes_throughput_bytes_per_second",
                               probe="saturate", direction="download") or 0
    # node_exporter, idle and under iperf3 -P4 on loopback.
    node = env.start_node_exporter()
    n_idle = util.wrk(node.base + "/metrics", 8, d)
    port = util.free_port()
    ip = env.procs.start("interf-iperf3", ["iperf3", "-s", "-p", str(port), "-B", "127.0.0.1"])
    util.wait_port("127.0.0.1", port)
    load = env.procs.start("interf-iperf3-c", ["iperf3", "-c", "127.0.0.1", "-p", str(port),
                                              "-P", "4", "-R", "-t", str(d + 2)])
    time.sleep(1.0)
    n_loaded = util.wrk(node.base + "/metrics", 8, d)
    load.wait(timeout=d + 30)
    for p in (load, ip, node.proc):
        env.procs.stop(p)
    rows.add("5 interference", "/metrics p99, 8 conn, idle", idle["p99"] * 1e3, "ms",
             "node_exporter, idle", n_idle["p99"] * 1e3)
    rows.add("5 interference", "/metrics p99, 8 conn, loopback saturated", loaded["p99"] * 1e3,
             "ms", "node_exporter, iperf3 -P4 running", n_loaded["p99"] * 1e3,
             note=f"hermes' own probe moved {tput * 8 / 1e9:.1f} Gbit/s meanwhile; "
                  f"p99 loaded/idle: hermes {loaded['p99'] / idle['p99']:.1f}x, "
                  f"node_exporter {n_loaded['p99'] / n_idle['p99']:.1f}x")
    rows.add("5 interference", "/metrics req/s, 8 conn, loopback saturated", loaded["rps"],
             "req/s", "node_exporter, iperf3 -P4 running", n_loaded["rps"], higher_better=True,
             note=f"req/s loaded/idle: hermes {loaded['rps'] / idle['rps']:.2f}, "
                  f"node_exporter {n_loaded['rps'] / n_idle['rps']:.2f}")
