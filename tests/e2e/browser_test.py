"""Cloudflare's speed-test engine in a browser against hermes-target, beside hermes.

The engine (npm @cloudflare/speedtest) runs in headless Chromium (Debian's
chromium, driven by playwright-core: tests/browser/speedtest.mjs) from a page on
its own origin (http://127.0.0.1:PAGE_PORT in the client namespace) against a
hermes-target on another origin (the server namespace, tests/e2e/netns.py), over a
link shaped to 50 Mbit/s each way. hermes-target allows the page's origin with
--web.cors.origin, and answers every transfer DELAY_MS late, outside the
Server-Timing it reports: a path delay that every latency figure must include (a
browser without Timing-Allow-Origin reads 0 ms).

1. Plain HTTP, no token: the engine runs its default measurement list (without the
   packet-loss step, which needs Cloudflare's TURN servers) to the end, with real
   resource timings (every latency sample >= DELAY_MS, download and upload
   measured), and its
   largest requests' throughput (median of the largest size it reached, per
   direction) is within +-10 % of hermes' own speedtest probe on the same link in
   the same test. The engine's headline figures (90th percentiles that small
   requests inflate) are printed, not asserted.
2. HTTPS (HTTP/2) with a bearer token: the same list runs to the end, the token
   going in an Authorization header, i.e. through a CORS preflight.
Every figure goes into one table at the end. Needs root (skips otherwise).
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import unittest

import netns
from accuracy_test import BURST, MBIT, MODERATE_QUEUE, NICE, record
from harness import SOURCE_DIR, binary, make_pki, metric
from shaped_link import ShapedLinkTest

PLAIN_PORT, TLS_PORT, PAGE_PORT = 10517, 10518, 8123
RATE_MBIT = 50
DELAY_MS = 10
TOLERANCE = 0.10
BROWSER_DIR = os.path.join(SOURCE_DIR, "tests", "browser")
TOKEN = "browser-s3cret"
ACTIVE = {}  # "test": the running test, "group": the browser, for netns.exit_on_sigterm

CONFIG = """
global:
  scrape_interval: 1s
probes:
  - name: hermes
    kind: speedtest
    url: http://{server}:{port}
    interval: 1h
    timeout: 40s
    latency: {{samples: 10}}
    download: {{streams: 4, duration: 6s, warmup: 1s, max_bytes: 400MB}}
    upload: {{streams: 4, duration: 6s, warmup: 1s, max_bytes: 400MB}}
"""


def missing_tools():
    """What the test command (scripts/deps.sh test) should have installed."""
    if shutil.which("chromium") is None:
        return "chromium"
    for mod in ("@cloudflare/speedtest", "playwright-core"):
        if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", mod)):
            return f"tests/browser/node_modules/{mod}"
    return None


class BrowserTest(ShapedLinkTest):
    NS_PREFIX = "br"

    @classmethod
    def check_tools(cls):
        missing = missing_tools()
        if missing:
            raise RuntimeError(f"{missing} is missing; run scripts/deps.sh test")

    def setUp(self):
        super().setUp()
        ACTIVE["test"] = self
        net = self.net
        make_pki(self.dir)
        self.write("token", TOKEN + "\n")
        self.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
        common = [f"--web.cors.origin=http://127\\.0\\.0\\.1:{PAGE_PORT}",
                  f"--test.response-delay={DELAY_MS}ms"]
        self.start("target-tls", net.cmd(net.server_ns, [
            *NICE, binary("hermes-target"), f"--web.listen-address={net.server_ip}:{TLS_PORT}",
            "--web.config.file", self.path("web.yml"),
            "--web.bearer-token-file", self.path("token"), *common]))
        self.start_target(PLAIN_PORT, *common)
        self.start_exporter(CONFIG.format(server=net.server_ip, port=PLAIN_PORT))
        for d in ("download", "upload"):
            net.shape(d, RATE_MBIT * MBIT, BURST, MODERATE_QUEUE)
            self.addCleanup(net.unshape, d)

    def engine(self, target, token=None):
        """Runs the engine in Chromium in the client namespace; its JSON results."""
        argv = ["node", os.path.join(BROWSER_DIR, "speedtest.mjs"), "--target", target,
                "--page-port", str(PAGE_PORT), "--timeout-s", "300"]
        if token:
            argv += ["--token", token]
        # Its own process group: Chromium's processes go with node, however it ends.
        p = subprocess.Popen(self.net.cmd(self.net.client_ns, argv), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=self.dir,
                             start_new_session=True)
        ACTIVE["group"] = p.pid
        try:
            out, err = p.communicate(timeout=360)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
        finally:
            ACTIVE.pop("group", None)
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            self.fail(f"speedtest.mjs printed no result (exit {p.returncode}):\n"
                      f"{out[-2000:]}\n{err[-3000:]}")
        self.assertNotIn("failure", result, f"{result}\n{err[-3000:]}")
        return result

    def check_completed(self, scenario, r):
        """The whole list ran, with real timings in both directions."""
        s = r["summary"]
        sizes = sorted({m.split()[1] for m in r["measurements"] if " " in m})
        record(scenario, "engine list", "default - packetLoss",
               f"{len(r['measurements'])} steps, sizes {', '.join(sizes)}", "ran to the end", True)
        record(scenario, "engine headline (90th pct)", "",
               f"down {s.get('download', 0) / 1e6:.1f} Mbit/s, up {s.get('upload', 0) / 1e6:.1f}"
               f" Mbit/s, latency {s.get('latency', 0):.2f} ms, jitter {s.get('jitter', 0):.2f} ms",
               "(info)", True)
        self.assertEqual(r["errors"], [])
        # Each sample is a request answered DELAY_MS late (with a 0.1 ms browser clock).
        short = [x for x in r["latency"] if x < DELAY_MS - 0.1]
        record(scenario, "engine latency samples", f">= {DELAY_MS} ms",
               f"{len(r['latency'])} samples, min {min(r['latency'], default=0):.2f} ms",
               "none below", not short and bool(r["latency"]))
        self.assertTrue(r["latency"])
        self.assertFalse(short, f"latency samples below the {DELAY_MS} ms path delay "
                                f"(Timing-Allow-Origin missing?): {r['latency']}")
        for d in ("download", "upload"):
            self.assertTrue(r[d], f"no {d} measured")
            self.assertTrue(all(p["bps"] > 0 and p["duration"] > 0 for p in r[d]), r[d])

    def test_engine_on_a_shaped_link_beside_hermes(self):
        net = self.net
        r = self.engine(f"http://{net.server_ip}:{PLAIN_PORT}")
        scenario = f"tbf {RATE_MBIT} Mbit/s, http"
        self.check_completed(scenario, r)
        m = self.run_probe("hermes")
        bad = []
        for d in ("download", "upload"):
            largest = max(p["bytes"] for p in r[d])
            engine = statistics.median(p["bps"] for p in r[d] if p["bytes"] == largest)
            hermes = 8 * metric(m, "hermes_throughput_bytes_per_second", probe="hermes",
                                direction=d)
            rel = engine / hermes - 1
            ok = abs(rel) <= TOLERANCE
            record(scenario, f"{d}: engine's {largest / 1e6:g} MB requests vs hermes",
                   f"hermes {hermes / 1e6:.2f} Mbit/s",
                   f"engine {engine / 1e6:.2f} Mbit/s ({rel:+.1%})", f"+-{TOLERANCE:.0%}", ok)
            if not ok:
                bad.append(f"{d}: engine {engine:.0f} bit/s on {largest} B requests, "
                           f"hermes {hermes:.0f} bit/s")
        idle = metric(m, "hermes_latency_seconds", probe="hermes", load="idle")
        record(scenario, "idle latency", f"hermes {idle * 1e3:.2f} ms",
               f"engine {r['summary']['latency']:.2f} ms", "(info)", True)
        self.assertFalse(bad)

    def test_engine_with_a_bearer_token_over_https(self):
        r = self.engine(f"https://{self.net.server_ip}:{TLS_PORT}", token=TOKEN)
        self.check_completed(f"tbf {RATE_MBIT} Mbit/s, https + token", r)


if __name__ == "__main__":
    netns.exit_on_sigterm(ACTIVE, BrowserTest)
    unittest.main(verbosity=2)
