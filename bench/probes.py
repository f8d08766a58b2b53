"""Sections 3 and 4: probe cost and ceiling on loopback; accuracy on shaped links.

Each hermes speedtest is one triggered run of a probe with a long interval, read back
from /metrics (throughput after warm-up, transferred bytes, latency medians). Peers
measure the same path: curl against the same hermes-target, iperf3 between the same
two endpoints, nginx serving a file of the same size as the hermes-target transfer.
"""
import os
import statistics
import threading
import time

import servers
import util



def speed_config(url, name, streams, seconds, warmup, down=True, up=False, samples=5,
                 scrape="1s"):
    def direction(on):
        if not on:
            return "{enabled: false}"
        return (f"{{streams: {streams}, duration: {int(seconds * 1000)}ms, "
                f"warmup: {int(warmup * 1000)}ms, max_bytes: 1000GB}}")
    return f"""global:
  scrape_interval: {scrape}
probes:
  - name: {name}
    kind: speedtest
    url: "{url}"
    interval: 1h
    timeout: {int(2 * seconds + 30)}s
    latency: {{samples: {samples}}}
    download: {direction(down)}
    upload: {direction(up)}
"""


def run_speedtest(ex, name, timeout):
    """One run; returns (metrics, exporter CPU seconds during it)."""
    c0 = util.cpu_seconds(ex.proc)
    m = servers.trigger_and_wait(ex, name, timeout=timeout)
    return m, util.cpu_seconds(ex.proc) - c0


def metric(m, name, **labels):
    v = util.harness.metric(m, name, **labels)
    return 0.0 if v is None else v


def curl_download(url, nbytes, max_time, netns=None):
    """Single-stream curl; (bytes/s, client CPU seconds, bytes)."""
    cmd = ["curl", "-s", "-o", "/dev/null", "--max-time", str(max_time), "-w",
           "%{size_download} %{time_total}", f"{url}?bytes={nbytes}" if "__down" in url else url]
    r, cpu = util.timed_child(cmd, timeout=max_time + 10, netns=netns)
    size, t = r.stdout.split()
    return float(size) / float(t), cpu, float(size)


def curl_upload(url, path, max_time, netns=None):
    cmd = ["curl", "-s", "-o", "/dev/null", "-X", "POST", "-H", "Expect:", "-T", path,
           "--max-time", str(max_time), "-w", "%{size_upload} %{time_total}", url]
    r, cpu = util.timed_child(cmd, timeout=max_time + 10, netns=netns)
    size, t = r.stdout.split()
    return float(size) / float(t), cpu, float(size)


def iperf3(host, port, seconds, reverse, streams, netns=None, omit=1):
    """Client side; (bytes/s received after the omitted first second, client CPU s, bytes)."""
    import json
    cmd = ["iperf3", "-c", host, "-p", str(port), "-t", str(seconds), "-O", str(omit), "-J",
           "-P", str(streams)] + (["-R"] if reverse else [])
    # The server takes one test at a time and may still be closing the previous one
    # on a loaded host ("the server is busy"): try again, a bounded number of times.
    for attempt in range(5):
        r, cpu = util.timed_child(cmd, timeout=seconds + omit + 30, netns=netns)
        out = json.loads(r.stdout)
        if "sum_received" in out.get("end", {}):
            end = out["end"]["sum_received"]
            return end["bits_per_second"] / 8, cpu, end["bytes"]
        if "busy" not in out.get("error", ""):
            break
        time.sleep(1 + attempt)
    raise RuntimeError(f"iperf3 -c {host}:{port} gave no result: {out.get('error', r.stdout[:200])}")


def sparse_file(path, size):
    with open(path, "wb") as f:
        f.truncate(int(size))
    return path


def cost_and_ceiling(env, rows, opts):
    """Section 3, on loopback, plain HTTP (iperf3 has no TLS either)."""
    procs = env.procs
    tgt = env.start_target(tls=False, name="cost-target",
                           extra=["--max-bytes-per-request", "64GiB"])
    d, w = opts.xfer_seconds, opts.warmup
    ex = env.start_exporter(speed_config(tgt.base, "dl1", 1, d, w) +
                            speed_config(tgt.base, "dl4", 4, d, w).split("probes:\n")[1] +
                            speed_config(tgt.base, "ul1", 1, d, w, down=False, up=True)
                            .split("probes:\n")[1], name="cost-hermes")
    res = {}
    for name, direction in (("dl1", "download"), ("dl4", "download"), ("ul1", "upload")):
        b0 = metric(servers.scrape(ex), "hermes_transferred_bytes_total", probe=name,
                    direction=direction)
        t0 = util.cpu_seconds(tgt.proc)
        m, cpu = run_speedtest(ex, name, timeout=2 * d + 40)
        moved = metric(m, "hermes_transferred_bytes_total", probe=name, direction=direction) - b0
        res[name] = (metric(m, "hermes_throughput_bytes_per_second", probe=name,
                            direction=direction), cpu / (moved / 1e9), moved,
                     (util.cpu_seconds(tgt.proc) - t0) / (moved / 1e9))
    procs.stop(ex.proc)
    ip = procs.start("iperf3-server", ["iperf3", "-s", "-p", str(port := util.free_port()),
                                       "-B", "127.0.0.1"])
    util.wait_port("127.0.0.1", port)
    # curl moves a fixed size (about what hermes moved, at most opts.static_bytes x 2):
    # it has no duration mode, and a sparse upload file reads slower than hermes sends.
    nbytes = int(min(res["dl1"][0] * d, 2 * opts.static_bytes))
    curl_dl = curl_download(tgt.base + "/__down", nbytes, 120)
    up_file = sparse_file(env.path("upload.bin"), min(res["ul1"][0] * d, opts.static_bytes))
    curl_ul = curl_upload(tgt.base + "/__up", up_file, 120)
    ip_cpu = {}

    def server_side(key, *a):
        c0 = util.cpu_seconds(ip)
        r = iperf3("127.0.0.1", port, d, *a)
        ip_cpu[key] = (util.cpu_seconds(ip) - c0) / (r[2] / 1e9)
        return r
    ip1 = server_side("dl1", True, 1)
    ip4 = server_side("dl4", True, 4)
    ipu = server_side("ul1", False, 1)
    procs.stop(ip)
    g = 8 / 1e9
    rows.add("3 probe cost", "download ceiling, 1 stream", res["dl1"][0] * g, "Gbit/s",
             "curl", curl_dl[0] * g, higher_better=True)
    rows.add("3 probe cost", "download ceiling, 1 stream", res["dl1"][0] * g, "Gbit/s",
             "iperf3 -R", ip1[0] * g, higher_better=True)
    rows.add("3 probe cost", "download ceiling, 4 streams", res["dl4"][0] * g, "Gbit/s",
             "iperf3 -R -P4", ip4[0] * g, higher_better=True)
    rows.add("3 probe cost", "upload ceiling, 1 stream", res["ul1"][0] * g, "Gbit/s",
             "curl -T", curl_ul[0] * g, higher_better=True)
    rows.add("3 probe cost", "upload ceiling, 1 stream", res["ul1"][0] * g, "Gbit/s",
             "iperf3", ipu[0] * g, higher_better=True)
    for label, peer, pv in (("download, 1 stream", "curl", curl_dl),
                            ("download, 1 stream", "iperf3 -R", ip1),
                            ("download, 4 streams", "iperf3 -R -P4", ip4),
                            ("upload, 1 stream", "curl -T", curl_ul),
                            ("upload, 1 stream", "iperf3", ipu)):
        key = {"download, 1 stream": "dl1", "download, 4 streams": "dl4"}.get(label, "ul1")
        rows.add("3 probe cost", f"client CPU s per GB, {label}", res[key][1], "s/GB", peer,
                 pv[1] / (pv[2] / 1e9))
    for key, label in (("dl1", "download, 1 stream"), ("ul1", "upload, 1 stream")):
        rows.add("3 probe cost", f"server CPU s per GB, {label} (hermes-target)", res[key][3],
                 "s/GB", "iperf3 -s", ip_cpu[key])
    # Server side: hermes-target vs nginx sending the same bytes to the same curl.
    root = os.path.join(env.dir, "www")
    os.makedirs(root, exist_ok=True)
    size = opts.static_bytes
    with open(os.path.join(root, "blob"), "wb") as f:  # real pages, not a sparse file
        block = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            f.write(block)
    size = (size >> 20) << 20
    ngx = env.start_nginx(root)
    out = {}
    for label, s, url in (("hermes-target", tgt, tgt.base + "/__down"),
                          ("nginx", ngx, ngx.base + "/blob")):
        c0 = util.cpu_seconds(s.proc)
        curl_download(url, size, 120)  # warm the page cache / code paths
        c0 = util.cpu_seconds(s.proc)
        rate, _, moved = curl_download(url, size, 120)
        out[label] = (rate, (util.cpu_seconds(s.proc) - c0) / (moved / 1e9))
    rows.add("3 probe cost", "static serving to curl, 1 stream", out["hermes-target"][0] * g,
             "Gbit/s", "nginx (sendfile)", out["nginx"][0] * g, higher_better=True)
    rows.add("3 probe cost", "server CPU s per GB, static, 1 stream", out["hermes-target"][1], "s/GB",
             "nginx (sendfile)", out["nginx"][1])
    procs.stop(ngx.proc)
    procs.stop(tgt.proc)


def delay_accuracy(env, rows, opts):
    """Idle latency against a target that adds a known delay to every answer."""
    for delay_ms in opts.delays_ms:
        tgt = env.start_target(tls=False, name=f"delay{delay_ms}-target",
                               extra=[f"--test.response-delay={delay_ms}ms"])
        ex = env.start_exporter(speed_config(tgt.base, "lat", 1, 1, 0.5, down=False, up=False,
                                             samples=opts.latency_samples),
                                name=f"delay{delay_ms}-hermes")
        m, _ = run_speedtest(ex, "lat", timeout=60)
        h = metric(m, "hermes_latency_seconds", probe="lat", load="idle") * 1e3
        urls = [tgt.base + "/__down?bytes=0"] * opts.latency_samples
        r = util.run(["curl", "-s", "-o", "/dev/null", "--max-time", "30", "-w",
                      "%{time_pretransfer} %{time_starttransfer}\n", *urls], timeout=40)
        c = statistics.median(float(b) - float(a) for a, b in
                              (line.split() for line in r.stdout.splitlines()))
        rows.add("4 accuracy", f"idle latency, server adds {delay_ms} ms", h, "ms",
                 "curl (warm conn, median)", c * 1e3, truth=delay_ms, truth_unit="ms")
        env.procs.stop(ex.proc)
        env.procs.stop(tgt.proc)
