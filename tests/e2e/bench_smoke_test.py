"""bench/run.py --smoke: the benchmark harness still runs end to end and fills every row.

The full benchmark takes ~10 minutes and is run by hand (see docs/BENCHMARKS.md); this
test runs the same code paths with second-long durations so the harness cannot rot.
It checks that every expected row is present with numeric hermes and peer values.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import BUILD_DIR, SOURCE_DIR

# Row prefixes every run must produce (section, measurement).
EXPECTED = [
    ("1", "/metrics size (hermes)"), ("1", "/metrics size (node_exporter)"),
    ("1", "/metrics size (blackbox_exporter)"),
    ("1", "req/s, keep-alive, 1 conn"), ("1", "req/s, keep-alive, 8 conn"),
    ("1", "req/s, keep-alive, 50 conn"), ("1", "p50 latency, keep-alive, 8 conn"),
    ("1", "p99 latency, keep-alive, 50 conn"), ("1", "req/s, new TLS connection per scrape"),
    ("1", "p99 latency, new TLS connection per scrape"), ("1", "req/s, keep-alive + gzip"),
    ("1", "CPU µs per /metrics request"), ("1", "CPU µs per gzip /metrics request"),
    ("2", "CPU s per 1000 scrapes (keep-alive"), ("2", "CPU s per 1000 scrapes (new TLS"),
    ("2", "CPU µs per sample served"), ("2", "binary size"), ("2", "shared libraries"),
    ("2", "idle RSS"), ("2", "RSS after the scrape runs"), ("2", "start to ready"),
    ("2", "RSS after an hour-equivalent"), ("2", "RSS after 2 more speed tests"),
    ("3", "download ceiling, 1 stream"), ("3", "download ceiling, 4 streams"),
    ("3", "upload ceiling, 1 stream"), ("3", "client CPU s per GB, download"),
    ("3", "client CPU s per GB, upload"), ("3", "static serving to curl"),
    ("3", "server CPU s per GB"),
    ("4", "idle latency, server adds"),
    ("5", "/metrics p99, 8 conn, idle"), ("5", "/metrics p99, 8 conn, loopback saturated"),
    ("5", "/metrics req/s, 8 conn, loopback saturated"),
]
SHAPED = [("4", "download at tbf"), ("4", "upload at tbf"),
          ("4", "loaded-latency increase, short queue"), ("4", "loaded-latency increase, deep queue")]
NUMBER = re.compile(r"^-?[\d,]*\.?\d+(e[-+]?\d+)?( \S+)?$")


def _can_shape():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import netns
    return netns.unavailable() is None


class BenchSmokeTest(unittest.TestCase):
    def test_smoke_run_fills_every_row(self):
        for tool in ("wrk", "iperf3", "nginx", "prometheus-node-exporter",
                     "prometheus-blackbox-exporter"):
            self.assertIsNotNone(shutil.which(tool),
                                 f"{tool} is not installed; run scripts/deps.sh test")
        out_dir = tempfile.mkdtemp(prefix="hermes-bench-smoke-")
        self.addCleanup(shutil.rmtree, out_dir, True)
        out = os.path.join(out_dir, "BENCHMARKS.md")
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "bench", "run.py"), "--smoke",
                            "--out", out, "--build-dir", BUILD_DIR],
                           capture_output=True, text=True, timeout=240)
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-6000:])
        self.assertLess(took, 120, "smoke mode should stay around a minute")
        with open(out) as f:
            md = f.read()
        rows = [[c.strip() for c in line.strip().strip("|").split(" | ")]
                for line in md.splitlines() if re.match(r"^\| \d \| ", line)]
        expected = EXPECTED + (SHAPED if _can_shape() else [])
        for section, prefix in expected:
            found = [row for row in rows if row[0] == section and row[1].startswith(prefix)]
            self.assertTrue(found, f"row '{prefix}' missing from the table")
            for row in found:
                self.assertRegex(row[2], NUMBER, f"hermes value of {row[1]!r}: {row[2]!r}")
                if row[3]:
                    self.assertRegex(row[4], NUMBER, f"peer value of {row[1]!r}: {row[4]!r}")
        self.assertNotIn("FAILED", md)
        for heading in ("## Results", "## Where hermes is behind", "## Scale on paper"):
            self.assertIn(heading, md)
        self.assertIn("bench/run.py --smoke", md)
        self.assertRegex(md, r"Load average.*\d+\.\d+")


if __name__ == "__main__":
    unittest.main()
