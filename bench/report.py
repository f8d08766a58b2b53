"""Turns result rows into a terminal table and docs/BENCHMARKS.md Markdown.

Verdicts: for a comparison row, hermes is "behind" when it is more than 10 % worse
than the peer (noise on a shared machine is about that large), "ahead" when more than
10 % better, "≈" otherwise. A row with a target (a goal for hermes/peer, e.g. CPU per
scrape at most 3x nginx serving the same bytes) says whether the goal was met. For an accuracy row, hermes is "accurate" when it lands
within the tolerance of ground truth (throughput 5 %, added delay 5 % or 0.5 ms,
queue-induced latency 25 % or 2 ms) and at least as close as the peer (1 % slack).
"""
import math

TOL = {"Mbit/s": (0.05, 0.0), "ms": (0.05, 0.5)}
QUEUE_TOL = (0.25, 2.0)

# Why hermes is behind, by measurement prefix (and optionally peer); written from what
# the full runs showed. Rows that are behind without an entry get a generic pointer.
WHY = {
    ("req/s", "blackbox_exporter"):
        "blackbox_exporter's own /metrics is ~50 samples (7 KiB) against hermes' ~870 samples "
        "(63 KiB) for a 10-probe sidecar, so each of its scrapes is much less work. Per "
        "sample served hermes needs far less CPU than either peer (row \"CPU µs per sample "
        "served\"); against node_exporter, the comparable page, hermes is ahead.",
    ("CPU s per 1000 scrapes", "blackbox_exporter"):
        "same cause: blackbox_exporter's page is ~13x smaller; per sample hermes is cheaper.",
    ("shared libraries", None):
        "the Go peers are static binaries (libc only). hermes links libcurl, OpenSSL, c-ares, "
        "yaml-cpp, spdlog, libstdc++ (and their dependencies) from Debian dynamically, so "
        "security updates of those packages apply without a rebuild; 26 of the libraries "
        "are libcurl and what only libcurl pulls in (README, dependency section).",
    ("server CPU s per GB, static", None):
        "nginx sends the file with sendfile() from the page cache, without copying it through "
        "user space; hermes-target generates the body and writes it through Beast. (nginx "
        "is still slower per stream here; hermes-target needs no file.)",
    ("RSS after the scrape runs", None):
        "what is left after wrk's 50 keep-alive TLS connections closed: hermes hands the "
        "freed TLS and HTTP buffers back once a burst of connections has drained "
        "(common/memory.h); what remains is glibc's arena slack and the heap top.",
    ("idle RSS", None):
        "the goal is not reachable with Debian's shared libraries mapped: of an idle "
        "sidecar's ~19 MiB, ~16 MiB are file-backed pages of mapped code (libcrypto 4.1, "
        "the hermes binary 2.5, libstdc++ 1.7, libc 1.5 MiB, ...), already more than "
        "blackbox_exporter's whole RSS; libcurl and the 25 libraries only it pulls in "
        "(GnuTLS, Kerberos, LDAP, SSH, RTMP, ...) are 3.9 MiB of it. The memory hermes "
        "allocates itself is ~3.6 MiB (RssAnon). The pages are shared with every other "
        "process mapping the same files. README, dependency section: why libcurl stays.",
    ("RSS after", None):
        "within noise of the Go peers (their RSS grows with GC pacing, hermes' stays flat).",
    ("start to ready", None):
        "hermes answers /-/ready only after the config is parsed and validated (series "
        "budget, data budget), the TLS context is built and the scheduler threads run; the "
        "peers' measured URLs answer as soon as the listener is up. On a quiet machine all "
        "three are ready within tens of ms; the difference is a few ms of work, stretched by "
        "the load of a shared machine and measured with 5 ms polling.",
    ("upload at tbf 10 ", None):
        "within tolerance. At 10 Mbit/s the 5 s window holds only ~6 MB, and each stream's "
        "sequential requests (an idle round trip between two, and for upload the bytes in "
        "socket buffers at the window edges) move the result 1-3 % either way between runs "
        "(upload: +1.8 % in one full run, -2.6 % in another); iperf3's streams never pause.",
    ("download at tbf 10 ", None):
        "within tolerance; as the upload row: the idle round trip between two sequential "
        "/__down requests of a stream weighs most on the smallest window (~6 MB).",
    ("download ceiling, 1 stream", None):
        "on loopback above 10 Gbit/s the limit is CPU on 2 shared cores and the three tools "
        "trade places between runs (hermes was ahead of curl and behind iperf3 in another "
        "full run). The client cost per GB, which is what matters on a real link, is equal "
        "or lower for hermes (row \"client CPU s per GB\"); no real path gets near this.",
    ("download ceiling, 4 streams", None):
        "as the 1-stream row, and 4 streams plus hermes-target plus the exporter contend for "
        "two cores; iperf3's client and server are one thread each.",
    ("upload ceiling, 1 stream", "iperf3"):
        "CPU-bound on loopback as the download ceiling; hermes-target parses HTTP and "
        "discards the body through Beast 64 KiB at a time. It swings with the machine's "
        "load: hermes/iperf3 was 1.59 and 1.58 in two other full runs on 2026-12-03.",
    ("client CPU s per GB, download, 1 stream", "iperf3 -R"):
        "varies with the load of the shared machine: hermes/iperf3 was 1.25 and 0.95 in two "
        "other full runs on 2026-12-03; with 4 streams, where both move more data, hermes "
        "is ≈ or ahead in all three.",
    ("download at tbf 1000 ", None):
        "within tolerance. At 1000 Mbit/s the namespaces' forwarding, the client, the server "
        "and the peers share 2 CPUs with other builds; the same row gave -0.8 % and -6.5 % "
        "in two other full runs on 2026-12-03 (iperf3 -3.2 % and -1.6 %, curl -0.4 % and "
        "-9.9 %).",
    ("server CPU s per GB, download", "iperf3 -s"):
        "hermes-target writes HTTP bodies through Beast (a user-space copy per 1 MiB write) "
        "and, unlike iperf3 -s, also answers the probe's latency requests; iperf3 -s writes "
        "one static buffer: 16-40 % more CPU per GB on the server side, about 0.3 s per GB.",
    ("server CPU s per GB, upload", "iperf3 -s"):
        "hermes-target reads each request body through Beast's HTTP parser into a 64 KiB "
        "buffer (one recv per 64 KiB, plus the parser) where iperf3 -s recv()s raw bytes "
        "into one buffer; about 0.02 s per GB, at the edge of this run's noise (ahead in an "
        "earlier full run).",
    ("p99 latency", None):
        "p99 of one 10 s wrk run on a 2-CPU machine shared with other builds (load average "
        "above 10): a thread that loses its time slice waits tens of ms, which p99 of a "
        "single run shows; p99 of reruns varies by 2x here, p50 is the steadier comparison.",
    ("p50 latency", None):
        "single 10 s wrk run on a shared 2-CPU machine (load average > 10).",
    ("/metrics p99", None):
        "the loaded and idle wrk runs each last 10 s on a 2-CPU machine shared with other "
        "builds (load average above 10); p99 varies by 2x between reruns here.",
    ("loaded-latency", None):
        "queue occupancy under a loss-based TCP saw-tooths between ~70 % and 100 % of the "
        "limit, so both measurements land below the configured queue; hermes samples every "
        "200 ms on its own connection during its own transfer, the peer samples during "
        "iperf3's — both are estimates of the same fuzzy truth.",
}


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def _err(v, t):
    return (v - t) / t if t else float("nan")


def verdict(r):
    v, p, t = r["value"], r["peer_value"], r["truth"]
    if v is None:
        return "FAILED", None
    if t is not None:
        rel, absol = QUEUE_TOL if r["truth_kind"] == "queue limit" else TOL.get(r["unit"],
                                                                               (0.05, 0))
        close = abs(v - t) <= max(rel * t, absol)
        as_close = p is None or math.isnan(p) or abs(v - t) <= abs(p - t) + max(0.01 * t, absol / 2)
        if close and as_close:
            return "accurate", None
        if close:
            return "accurate, peer closer", "behind"
        return f"off by {_err(v, t) * 100:+.0f} %", "behind"
    if p is None:
        return "", None
    if p == 0 or math.isnan(p):
        return ("≈" if v == p else "behind" if not r["higher_better"] and v > p else "ahead"), \
            ("behind" if (not r["higher_better"] and v > p) else None)
    ratio = v / p
    if r.get("target") is not None:
        t = r["target"]
        met = ratio >= t if r["higher_better"] else ratio <= t
        goal = f"{'≥' if r['higher_better'] else '≤'} {t:g}x"
        return (f"target {goal} met", None) if met else (f"target {goal} missed", "behind")
    good = ratio if r["higher_better"] else 1 / ratio if ratio else float("inf")
    if good < 0.9:
        return "behind", "behind"
    return ("ahead" if good > 1.1 else "≈"), None


def ratio(r):
    v, p = r["value"], r["peer_value"]
    if v is None or p is None or p == 0 or math.isnan(p):
        return "—"
    return f"{v / p:.2f}"


def note(r):
    parts = []
    if r["truth"] is not None:
        parts.append(f"{r['truth_kind']} {fmt(r['truth'])} {r['truth_unit']}; error hermes "
                     f"{_err(r['value'], r['truth']) * 100:+.1f} %" if r["value"] is not None
                     else "")
        if r["peer_value"] is not None and not math.isnan(r["peer_value"]):
            parts.append(f"{r['peer'].split()[0]} {_err(r['peer_value'], r['truth']) * 100:+.1f} %")
        if r["extra_peer"]:
            name, val = r["extra_peer"]
            parts.append(f"{name} {fmt(val)} ({_err(val, r['truth']) * 100:+.1f} %)")
    if r["errors"]:
        parts.append(f"{r['errors']} wrk errors")
    if r["note"]:
        parts.append(r["note"])
    return "; ".join(p for p in parts if p)


def cells(r):
    v, _ = verdict(r)
    return [r["section"].split()[0], r["what"], f"{fmt(r['value'])} {r['unit']}".strip(),
            r["peer"] or "", fmt(r["peer_value"]) if r["peer"] else "", ratio(r), v, note(r)]


HEAD = ["#", "measurement", "hermes", "peer", "peer value", "hermes/peer", "verdict", "note"]


def text_row(r):
    return " | ".join(cells(r))


def text_table(rows):
    table = [HEAD] + [cells(r) for r in by_section(rows)]
    widths = [min(48, max(len(c) for c in col)) for col in zip(*(t[:-1] for t in table))]
    out = []
    for t in table:
        out.append("  ".join(c.ljust(w)[:w] for c, w in zip(t[:-1], widths)) + "  " + t[-1])
    return "\n".join(out)


def by_section(rows):
    return sorted(rows, key=lambda r: r["section"].split()[0])  # stable: run order within


def md_table(rows):
    out = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for r in by_section(rows):
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |")
    return "\n".join(out)


def behind(rows):
    out = []
    for r in by_section(rows):
        v, flag = verdict(r)
        if flag == "behind" or v == "FAILED":
            why = next((w for (k, peer), w in WHY.items()
                        if r["what"].startswith(k) and (peer is None or peer == r["peer"])), None)
            out.append(f"- **{r['what']}** vs {r['peer'] or 'ground truth'}: {v}"
                       f" ({fmt(r['value'])} vs {fmt(r['peer_value'])} {r['unit']}). "
                       + (why or "No explanation recorded yet; rerun to check it is not noise."))
    return "\n".join(out) or "- none in this run."


def goals(rows):
    """The rows that carry a goal (a target ratio), in one list."""
    out = []
    for r in by_section(rows):
        if r.get("target") is None:
            continue
        v, _ = verdict(r)
        out.append(f"- {r['what']}: {fmt(r['value'])} {r['unit']} vs {r['peer']} "
                   f"{fmt(r['peer_value'])}: **{ratio(r)}x**, {v}.")
    return "\n".join(out) or "- no goal rows in this run."


def scale(ctx):
    s = ctx.get("series") or 0
    sizes = ctx.get("sizes", {}).get("hermes")
    if not s or not sizes:
        return "(scale section needs the scrape rows; they failed in this run)"
    b, gz = sizes[0], ctx.get("gzip_bytes") or sizes[0]
    cpu = ctx.get("cpu_per_1000", float("nan")) / 1000
    lines = [f"Measured per sidecar (the 10-probe config above: 2 speedtest, 3 http, 3 tcp, "
             f"1 dns, 1 icmp, default buckets): **{s:.0f} series**, **{b / 1024:.0f} KiB** "
             f"per scrape uncompressed, **{gz / 1024:.1f} KiB** gzipped, "
             f"**{cpu * 1e3:.2f} ms** of hermes CPU per scrape.", "",
             "| sidecars | active series | samples/s at 15 s | scrape bytes per 15 s "
             "(gzip on the wire) | head RAM at ~4 KiB/series | TSDB disk per day at ~1.5 B/sample |",
             "|---|---|---|---|---|---|"]
    for n in (1000, 10000):
        series, sps = n * s, n * s / 15
        lines.append(f"| {n:,} | {series / 1e6:.2f} M | {sps / 1e3:,.0f} k | "
                     f"{n * b / 2**20:,.0f} MiB ({n * gz / 2**20:,.0f} MiB) | "
                     f"{series * 4 / 2**20:,.1f} GiB | {sps * 86400 * 1.5 / 2**30:,.0f} GiB |")
    lines += ["", SCALE_TEXT.format(k1=1000 * s / 1e6, k10=10000 * s / 1e6,
                                    sps1=1000 * s / 15 / 1e3, sps10=10000 * s / 15 / 1e3)]
    return "\n".join(lines)


SCALE_TEXT = """The per-series RAM and per-sample disk figures are the usual Prometheus 2.x rules
of thumb, not measurements of this run; the series count, the bytes per scrape and the
hermes CPU per scrape are measured. Series do not depend on the scrape interval; samples/s
halve at 30 s.

- **1,000 sidecars (~{k1:.1f} M series, ~{sps1:.0f} k samples/s)**: one Prometheus (an HA
  pair for redundancy) handles this comfortably; no distributed setup is needed. If the
  sidecars live in several clusters, run one Prometheus per cluster and either federate
  *recording-rule aggregates only* (`/federate` with `match[]` on `job:`/`probe:` rules)
  to a global Prometheus, or use agent mode + remote-write (below) from the start.
- **10,000 sidecars (~{k10:.1f} M series, ~{sps10:.0f} k samples/s)**: beyond what one
  Prometheus holds comfortably (tens of GiB of head RAM, long restarts replaying the WAL).
  Run Prometheus in **agent mode** (or hashmod-sharded scrapers), one per cluster or per
  shard, and **remote-write** to a horizontally scalable store — **Grafana Mimir** or
  **Thanos Receive** — and query there; alerts move to the Mimir ruler / Thanos Ruler.
  Thanos sidecar + Querier over sharded Prometheus servers also fits if you already run
  Thanos. Federation does not fit at this size: one `/federate` scrape of millions of raw
  series is slow and fragile; federate aggregates only.
- Either size gets cheaper by scraping less: the throughput-sample and RTT histograms are
  most of a probe's series (a speedtest probe is ~150 series, an http probe ~46), so fewer
  buckets (`global.latency_buckets`, `global.throughput_buckets`), dropping
  `hermes_throughput_sample_bytes_per_second_bucket` with `metric_relabel_configs`, or fewer
  probes per sidecar cut series linearly; hermes computes the exact count at load time
  (`hermes_metrics_series`) so the cost is known before rollout."""


def markdown(rows, meta, ctx):
    v = meta["versions"]
    smoke = ("\n> **Smoke run**: durations of about a second per row. These numbers only show "
             "the harness works; use a full run for anything else.\n" if meta["smoke"] else "")
    return f"""# hermes benchmarks
{smoke}
Generated by `{meta['command']}` (the table is machine-written; rerun instead of editing it).

- **Date**: {meta['date']}; run took {meta['seconds'] / 60:.1f} min.
- **Machine**: {meta['machine']}.
- **Load average** (1/5/15 min) before the run: {meta['load_before']}; after: {meta['load_after']}.
  This machine was shared with other builds: compare the hermes/peer ratios of one run,
  not absolute numbers across runs.
- **Versions**: {v['hermes-exporter']}; {v['node_exporter']}; {v['blackbox_exporter']};
  {v['wrk']}; {v['iperf3']}; {v['curl'].split(' (')[0]}; {v['nginx']}.

## What is measured

1. **Scrape serving**: wrk (keep-alive, 1/8/50 connections, then `Connection: close` so
   every scrape pays a TLS handshake, then `Accept-Encoding: gzip`) against `/metrics`
   over TLS. hermes-exporter runs a realistic 10-probe sidecar config (2 speedtest, 3 http,
   3 tcp, 1 dns, 1 icmp against a hermes-target on loopback; every probe has run, so all
   histograms have data). node_exporter reads the *same* web-config file with six
   collectors (cpu, meminfo, loadavg, netdev, filesystem, diskstats); blackbox_exporter
   serves its own `/metrics` with the same web config. hermes runs with
   `--web.max-connections-per-ip 128` (the default 8 is sized for a few Prometheus servers,
   not for a load generator), node_exporter with `--web.max-requests=0` (its default 40
   would answer 503 to part of 50 connections). wrk and the servers share the same 2 CPUs.
   nginx (one worker, same certificate and TLS versions, unlimited keep-alive) serves a
   byte-identical copy of hermes' page as a static file: hermes' CPU per request against
   it is the cost of building the page on top of sending the bytes.
2. **Footprint**: RSS from `/proc`, CPU from `/proc/<pid>/stat` over the wrk runs,
   binary size and `ldd`, spawn-to-first-200 on the ready URL (hermes `/-/ready`,
   node_exporter `/metrics`, blackbox `/-/healthy`; median of several starts). The
   hour-equivalent: every light probe runs 240 times (an hour at 15 s) with intervals of
   0.5 s, the speedtests 4 times (an hour at 15 m); blackbox_exporter gets the same 240
   rounds of `/probe` requests, node_exporter 240 scrapes. A fresh hermes' RSS after 10
   more speed tests is compared with its own RSS once every probe had run once.
3. **Probe cost and ceiling** (loopback, plain HTTP like iperf3): one speedtest run per
   row, throughput after warm-up; curl and iperf3 (`-O` omits the first second) against
   the same hermes-target / the same address; client CPU per GB moved. hermes-target
   versus nginx serving the same number of bytes from a file to one curl.
4. **Accuracy**: idle latency against a hermes-target that adds a known delay
   (`--test.response-delay`, a test-only flag) vs curl's request-to-first-byte on a warm
   connection. Shaped links from `tests/e2e/netns.py` (client ns — router ns with tbf —
   server ns, Reno): ground truth for throughput is the TCP goodput the tbf rate allows,
   rate × 1448/1514; for loaded latency it is the tbf queue limit / rate, which a
   loss-based TCP fills. The peer for loaded latency is the TCP connect time (the SYN-ACK
   waits in the same queue) during `iperf3 -R -P4`, minus the idle connect time.
5. **Interference**: hermes `/metrics` under wrk (8 connections) while one of its own
   speedtest probes saturates loopback with 4 streams, vs idle.

## Results

{md_table(rows)}
{chr(10) + ctx["skipped"] + chr(10) if ctx.get("skipped") else ""}
## Goals

Ratios measured in this run against the peer or limit named (a goal is met or missed
by the ratio alone, never by an absolute number):

{goals(rows)}

## Where hermes is behind

{behind(rows)}

## Scale on paper

{scale(ctx)}
"""
