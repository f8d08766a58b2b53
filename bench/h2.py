#!/usr/bin/env python3
"""HTTP/2 serving: hermes-target next to nginx (Debian nginx-light, http2 + TLS, static
files) in the same run, both driven by h2load on loopback with the same TLS setup.

Rows: download throughput of a 256 MiB object (4 connections, 1 stream each), and the
request rate of the 1-byte RPM resource (16 connections x 32 streams). Prints a Markdown
table with hermes/nginx ratios. Usage: bench/h2.py [--build-dir build/release]
Bounded: every h2load run has a request count; processes are killed at the end."""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from harness import make_pki  # noqa: E402

BIG = 256 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def h2load(args):
    out = subprocess.run(["h2load", *args], capture_output=True, text=True, timeout=300).stdout
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s, ([\d.]+)([KMG]?B)/s", out)
    ok = re.search(r"(\d+) succeeded", out)
    if not m or not ok:
        raise RuntimeError("h2load: " + out[-500:])
    scale = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m.group(5)]
    return float(m.group(3)), float(m.group(4)) * scale, int(ok.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.environ.get("HERMES_BUILD_DIR", "build/release"))
    opts = ap.parse_args()
    for tool in ("h2load", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing: scripts/deps.sh all (nghttp2-client, nginx-light)")
    d = tempfile.mkdtemp(prefix="hermes-h2-bench-")
    os.chmod(d, 0o755)  # nginx workers run as www-data
    procs = []
    try:
        make_pki(d)
        with open(f"{d}/web.yml", "w") as f:
            f.write(f"tls_server_config:\n  cert_file: {d}/server.crt\n  key_file: {d}/server.key\n")
        tport, nport = free_port(), free_port()
        procs.append(subprocess.Popen(
            [os.path.join(opts.build_dir, "hermes-target"), f"--web.listen-address=127.0.0.1:{tport}",
             f"--web.config.file={d}/web.yml", "--max-bytes-per-request=1GiB", "--rpm.anonymous"],
            stderr=subprocess.DEVNULL))
        os.makedirs(f"{d}/www/api/v1")
        with open(f"{d}/www/big", "wb") as f:
            f.write(os.urandom(1 << 20) * (BIG >> 20))
        with open(f"{d}/www/api/v1/small", "wb") as f:
            f.write(b"x")
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(f"""daemon off; worker_processes 2; pid {d}/nginx.pid; error_log {d}/nginx.err warn;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; types {{ }} default_type application/octet-stream;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{ listen 127.0.0.1:{nport} ssl http2; ssl_certificate {d}/server.crt;
    ssl_certificate_key {d}/server.key; ssl_protocols TLSv1.3; root {d}/www;
    http2_max_concurrent_streams 128; keepalive_requests 1000000; }} }}
""")
        os.makedirs(f"{d}/tmp")
        procs.append(subprocess.Popen(["nginx", "-c", f"{d}/nginx.conf", "-e", f"{d}/nginx.err"],
                                      stderr=subprocess.DEVNULL))
        wait_port(tport)
        wait_port(nport)
        rows = []
        for name, path_t, path_n, args in (
                ("download 256 MiB x 16, 4 conns x 1 stream",
                 f"/__down?bytes={BIG}", "/big", ["-n", "16", "-c", "4", "-m", "1"]),
                ("1-byte GET x 200000, 16 conns x 32 streams",
                 "/api/v1/small", "/api/v1/small", ["-n", "200000", "-c", "16", "-m", "32"])):
            t = h2load([*args, f"https://127.0.0.1:{tport}{path_t}"])
            n = h2load([*args, f"https://127.0.0.1:{nport}{path_n}"])
            rows.append((name, t, n))
        print("| h2load (TLS 1.3, h2, loopback, 2 cores) | hermes-target | nginx | ratio |")
        print("|---|---|---|---|")
        for name, t, n in rows:
            if "download" in name:
                print(f"| {name} | {t[1] * 8 / 1e9:.2f} Gbit/s | {n[1] * 8 / 1e9:.2f} Gbit/s "
                      f"| {t[1] / n[1]:.2f} |")
            else:
                print(f"| {name} | {t[0]:,.0f} req/s | {n[0]:,.0f} req/s | {t[0] / n[0]:.2f} |")
            print(f"|   succeeded | {t[2]} | {n[2]} | |")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
