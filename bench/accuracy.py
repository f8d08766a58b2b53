"""Section 4 on shaped links: throughput and loaded latency against ground truth.

Uses tests/e2e/netns.py (client ns -- router ns with tbf -- server ns). hermes-target
and iperf3 -s run in the server namespace; hermes-exporter, curl and iperf3 -c in the
client namespace. Ground truth for throughput is the TCP goodput the tbf rate allows:
tbf counts 1514-byte frames for 1448 bytes of payload (1500 MTU, TCP timestamps), so
goodput = rate x 1448/1514 (95.6 %). Ground truth for loaded latency is the queue the
tbf holds: limit / rate, which a loss-based TCP (Reno here) fills before it backs off.
"""
import statistics
import socket
import threading
import time

import probes
import servers
import util

GOODPUT = 1448 / 1514


def _netns():
    import netns
    return netns


def unavailable():
    return _netns().unavailable()


def shaped(env, rows, opts):
    netns = _netns()
    procs = env.procs
    with netns.Path("bench") as path:
        tgt = env.start_target(tls=False, name="acc-target", host=path.server_ip,
                               netns=path.server_ns, port=10517,
                               extra=["--max-bytes-per-request", "64GiB"])
        ipport = 5201
        ip = procs.start("acc-iperf3", ["iperf3", "-s", "-p", str(ipport)], netns=path.server_ns)
        with netns.entered(path.server_ns):
            util.wait_port(path.server_ip, ipport)
        d, w = opts.acc_seconds, opts.acc_warmup
        cfg = probes.speed_config(tgt.base, "acc", 4, d, min(w, d / 2), down=True, up=True,
                                  samples=10)
        ex = env.start_exporter(cfg, name="acc-hermes", tls=False, netns=path.client_ns)
        upload = env.path("acc-upload.bin")
        for mbit in opts.rates_mbit:
            for direction in ("download", "upload"):
                path.shape(direction, mbit * 1e6, burst_bytes=max(3 * 1514, mbit * 250),
                           queue_seconds=0.05)
            truth = mbit * GOODPUT
            m, _ = probes.run_speedtest(ex, "acc", timeout=2 * d + 60)
            h = {dr: probes.metric(m, "hermes_throughput_bytes_per_second", probe="acc",
                                   direction=dr) * 8 / 1e6 for dr in ("download", "upload")}
            nbytes = int(mbit * 1e6 / 8 * d)
            cdl = probes.curl_download(tgt.base + "/__down", nbytes, 4 * d + 20,
                                       netns=path.client_ns)[0] * 8 / 1e6
            probes.sparse_file(upload, nbytes)
            cul = probes.curl_upload(tgt.base + "/__up", upload, 4 * d + 20,
                                     netns=path.client_ns)[0] * 8 / 1e6
            idl = probes.iperf3(path.server_ip, ipport, d, True, 4, netns=path.client_ns,
                                omit=w)[0] * 8 / 1e6
            iul = probes.iperf3(path.server_ip, ipport, d, False, 4, netns=path.client_ns,
                                omit=w)[0] * 8 / 1e6
            for dr, hv, iv, cv in (("download", h["download"], idl, cdl),
                                   ("upload", h["upload"], iul, cul)):
                rows.add("4 accuracy", f"{dr} at tbf {mbit} Mbit/s, 4 streams", hv, "Mbit/s",
                         "iperf3 -P4", iv, truth=truth, truth_unit="Mbit/s",
                         extra_peer=("curl", cv))
        for direction in ("download", "upload"):
            path.unshape(direction)
        procs.stop(ex.proc)  # the next exporter takes the same port in the client ns
        _loaded_latency(env, rows, opts, path, tgt, ip, ipport)
        procs.stop(tgt.proc)
        procs.stop(ip)


def _connect_rtts(ns, host, port, stop, out, every=0.2):
    netns = _netns()
    with netns.entered(ns):
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                with socket.create_connection((host, port), timeout=5):
                    out.append(time.monotonic() - t0)
            except OSError:
                pass
            stop.wait(every)


def _loaded_latency(env, rows, opts, path, tgt, ip, ipport):
    """Loaded-latency increase (download) with a short and a deep queue at one rate."""
    mbit, d = opts.queue_rate_mbit, opts.acc_seconds
    cfg = probes.speed_config(tgt.base, "bloat", 4, d, min(opts.acc_warmup, d / 2), samples=10)
    ex = env.start_exporter(cfg, name="bloat-hermes", tls=False, netns=path.client_ns)
    burst = max(3 * 1514, mbit * 250)
    for label, q in (("short", opts.short_queue_s), ("deep", opts.deep_queue_s)):
        limit = path.shape("download", mbit * 1e6, burst_bytes=burst, queue_seconds=q)
        truth_ms = limit / (mbit * 1e6 / 8) * 1e3
        m, _ = probes.run_speedtest(ex, "bloat", timeout=2 * d + 60)
        h = (probes.metric(m, "hermes_latency_seconds", probe="bloat", load="download") -
             probes.metric(m, "hermes_latency_seconds", probe="bloat", load="idle")) * 1e3
        # Peer: TCP connect time (SYN-ACK crosses the shaped queue) idle, then under iperf3.
        idle, loaded, stop = [], [], threading.Event()
        th = threading.Thread(target=_connect_rtts, args=(path.client_ns, path.server_ip, 10517,
                                                         stop, idle))
        th.start()
        time.sleep(min(2.0, d))  # idle samples, every 0.2 s
        stop.set()
        th.join()
        stop = threading.Event()
        th = threading.Thread(target=_connect_rtts, args=(path.client_ns, path.server_ip, 10517,
                                                         stop, loaded))
        sampler_start = threading.Timer(opts.acc_warmup, th.start)
        sampler_start.start()
        probes.iperf3(path.server_ip, ipport, d, True, 4, netns=path.client_ns,
                      omit=opts.acc_warmup)
        stop.set()
        sampler_start.join()
        th.join()
        peer = (statistics.median(loaded) - statistics.median(idle)) * 1e3 if loaded and idle \
            else float("nan")
        rows.add("4 accuracy", f"loaded-latency increase, {label} queue, {mbit} Mbit/s", h, "ms",
                 "TCP connect RTT under iperf3 -R -P4", peer, truth=truth_ms, truth_unit="ms",
                 truth_kind="queue limit")
    path.unshape("download")
    env.procs.stop(ex.proc)
