"""Reloads and token rotation under scrape load.

* 500 reloads alternating good/bad (good ones alternate between config A and B;
  every 5th goes through file rewrite + SIGHUP, the rest POST /-/reload) while
  scraper threads hammer /metrics over TLS with a bearer token. Checked:
  - zero failed scrapes: every response 200, text format, parseable;
  - never a half-applied config: every scrape's set of probe names (over every
    family carrying a `probe` label) is exactly A's or B's, and
    hermes_metrics_series equals the number of samples in that same response;
  - hermes_config_last_reload_successful tells the truth after every reload
    (1 after good, 0 after bad) and the success timestamp moves only on good ones;
  - a probe that is identical in A and B keeps its counters (never decreases);
  - the exporter stays healthy (alive, /-/healthy, RSS and fds bounded).
* Bearer-token rotation with two token files under load: A valid; both A and B
  valid; A's file removed, B only, with zero unexpected failures.
"""
import http.client
import os
import signal
import ssl
import sys
import threading
import time
import unittest

from harness import Harness, metric, parse_metrics, wait_for
from misbehaving import DnsFixture, HttpFixture

RELOADS = int(os.environ.get("HERMES_RELOADS", "500"))
SCRAPERS = 3
SIGHUP_EVERY = 5
MAX_SCRAPES_PER_THREAD = 50000


class Client:
    """One keep-alive HTTPS connection. A request that fails on a reused connection
    (the server may close an idle keep-alive connection) is retried once on a new
    one; any other failure raises."""

    def __init__(self, port, ctx):
        self.port, self.ctx = port, ctx
        self.conn = None
        self.reconnects = 0

    def request(self, method, path, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                                        timeout=15)
            try:
                self.conn.request(method, path, body=b"" if method == "POST" else None,
                                  headers=headers)
                r = self.conn.getresponse()
                body = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return r.status, r.getheader("Content-Type"), body
            except (OSError, http.client.HTTPException):
                self.close()
                if fresh or attempt == 1:
                    raise
                self.reconnects += 1
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def count_samples(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def probe_names(metrics):
    return frozenset(v for (_, labels) in metrics for k, v in labels if k == "probe")


def proc_stats(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


class Scrapers:
    """SCRAPERS threads scraping /metrics until stopped (bounded per thread), each
    checking every response against the allowed probe-name sets."""

    def __init__(self, port, ctx, allowed, token_fn, steady_probe=None):
        self.port, self.ctx, self.allowed, self.token_fn = port, ctx, allowed, token_fn
        self.steady_probe = steady_probe
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []       # (thread, description)
        self.seen = {}           # frozenset(names) -> count
        self.reconnects = 0
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(SCRAPERS)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def _fail(self, i, what):
        with self.lock:
            if len(self.failures) < 50:
                self.failures.append((i, what))
            else:
                self.failures.append((i, "..."))

    def _run(self, i):
        c = Client(self.port, self.ctx)
        last_runs = 0.0
        for _ in range(MAX_SCRAPES_PER_THREAD):
            if self.stop_event.is_set():
                break
            token = self.token_fn()
            try:
                status, ctype, body = c.request("GET", "/metrics", token)
            except Exception as e:  # noqa: BLE001 - every error is a failed scrape
                self._fail(i, f"request error: {e!r}")
                continue
            if status != 200:
                self._fail(i, f"status {status} with token {token[:6]}: {body[:200]!r}")
                continue
            if not (ctype or "").startswith("text/plain; version=0.0.4"):
                self._fail(i, f"content type {ctype}")
                continue
            try:
                text = body.decode()
                m = parse_metrics(text)
            except Exception as e:  # noqa: BLE001
                self._fail(i, f"unparseable: {e!r}")
                continue
            names = probe_names(m)
            series = metric(m, "hermes_metrics_series")
            n = count_samples(text)
            if self.allowed is not None and names not in self.allowed:
                self._fail(i, f"half-applied config: probes {sorted(names)}")
            if series != n:
                self._fail(i, f"hermes_metrics_series {series} but {n} samples served")
            if self.steady_probe:
                runs = metric(m, "hermes_probe_runs_total", probe=self.steady_probe)
                if runs is None or runs < last_runs:
                    self._fail(i, f"{self.steady_probe} runs_total went {last_runs} -> {runs}")
                else:
                    last_runs = runs
            with self.lock:
                self.ok += 1
                self.seen[names] = self.seen.get(names, 0) + 1
        with self.lock:
            self.reconnects += c.reconnects
        c.close()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads), "scraper thread hung"


class ReloadLoadTest(Harness):
    def setUp(self):
        super().setUp()
        self.http = HttpFixture()
        self.dns = DnsFixture()
        self.addCleanup(self.http.stop)
        self.addCleanup(self.dns.stop)

    def tcp(self, name, samples=1):
        return (f"  - {{name: {name}, kind: tcp, address: \"127.0.0.1:{self.http.port}\", "
                f"interval: 1s, timeout: 500ms, samples: {samples}}}\n")

    def configs(self):
        head = "global:\n  scrape_interval: 1s\nprobes:\n"
        shared = self.tcp("shared")  # identical in A and B: keeps its counters
        a = head + shared + self.tcp("a_one") + self.tcp("a_two", 2)
        b = (head + shared
             + f"  - {{name: b_web, kind: http, url: \"{self.http.url}\", interval: 1s, "
               f"timeout: 800ms}}\n"
             + f"  - {{name: b_dns, kind: dns, query: example.com, type: A, "
               f"server: \"127.0.0.1:{self.dns.port}\", interval: 2s, timeout: 1s}}\n")
        bad = [
            (a.replace("samples: 2", "samples: 0"), "samples"),
            (b.replace("interval: 2s, timeout: 1s", "interval: 2s, timeout: 2s"), "timeout"),
            (a.replace("samples: 2}", "samples: 2, bogus_key: 1}"), "bogus_key"),
            (b + self.tcp("shared"), "shared"),          # duplicate name
            (a.replace("kind: tcp", "kind: [tcp", 1), "line"),  # YAML syntax error
            (head + "  - {name: Bad-Name, kind: tcp, address: \"127.0.0.1:1\"}\n", "name"),
        ]
        return a, b, bad

    def write_config(self, text):
        tmp = self.path("hermes.yml.tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.path("hermes.yml"))

    def test_500_alternating_reloads_under_scrape_load(self):
        a, b, bad = self.configs()
        names_a = frozenset({"shared", "a_one", "a_two"})
        names_b = frozenset({"shared", "b_web", "b_dns"})
        self.setup_tls_and_token()
        p = self.start_exporter(a, extra=["--web.enable-lifecycle"])
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        main = Client(self.port, ctx)

        def state():
            status, _, body = main.request("GET", "/metrics", self.token)
            self.assertEqual(status, 200)
            m = parse_metrics(body.decode())
            return (metric(m, "hermes_config_last_reload_successful"),
                    metric(m, "hermes_config_last_reload_success_timestamp_seconds"),
                    probe_names(m))

        ok0, ts, names = state()
        self.assertEqual((ok0, names), (1, names_a))
        rss0, fds0 = proc_stats(p.pid)
        scrapers = Scrapers(self.port, ctx, {names_a, names_b}, lambda: self.token,
                            steady_probe="shared").start()
        self.addCleanup(scrapers.stop)
        t0 = time.monotonic()
        current = names_a
        counts = {"post": 0, "sighup": 0, "good": 0, "bad": 0}
        wrong = []
        for i in range(RELOADS):
            good = i % 2 == 0
            if good:
                text, want = (b, names_b) if (i // 2) % 2 == 0 else (a, names_a)
            else:
                text, needle = bad[(i // 2) % len(bad)]
                want = current
            self.write_config(text)
            if i % SIGHUP_EVERY == SIGHUP_EVERY - 1:
                counts["sighup"] += 1
                p.send_signal(signal.SIGHUP)
                # Each reload flips the success gauge (good/bad alternate): wait for it.
                got = wait_for(lambda: (lambda s: s if s[0] == (1 if good else 0) else None)(
                    state()), timeout=10, interval=0.02, what=f"SIGHUP reload {i} applied")
            else:
                counts["post"] += 1
                status, _, body = main.request("POST", "/-/reload", self.token)
                if status != (200 if good else 400):
                    wrong.append((i, status, body[:200]))
                if not good and needle not in body.decode(errors="replace"):
                    wrong.append((i, "error text lacks", needle, body[:200]))
                got = state()
            counts["good" if good else "bad"] += 1
            ok, new_ts, names = got
            if ok != (1 if good else 0) or names != want:
                wrong.append((i, "state", ok, sorted(names)))
            if good and new_ts <= ts or not good and new_ts != ts:
                wrong.append((i, "success timestamp", ts, new_ts))
            ts = new_ts
            current = want
            self.assertIsNone(p.poll(), f"exporter exited during reload {i}")
        elapsed = time.monotonic() - t0
        # Keep scraping a moment after the last reload, then stop.
        time.sleep(0.5)
        scrapers.stop()
        rss1, fds1 = proc_stats(p.pid)
        status, _, _ = main.request("GET", "/-/healthy")
        print(f"\n{RELOADS} reloads ({counts}) in {elapsed:.1f}s; {scrapers.ok} scrapes ok, "
              f"{len(scrapers.failures)} failed, {scrapers.reconnects} keep-alive reconnects; "
              f"configs seen {[(sorted(k), v) for k, v in scrapers.seen.items()]}; "
              f"RSS {rss0 >> 20}->{rss1 >> 20} MiB, fds {fds0}->{fds1}", file=sys.stderr)
        self.assertEqual(scrapers.failures, [])
        self.assertEqual(wrong, [])
        self.assertGreater(scrapers.ok, RELOADS // 2, "the scrapers barely ran")
        self.assertEqual(set(scrapers.seen), {names_a, names_b}, "scrapers saw both configs")
        self.assertEqual(status, 200)
        self.assertLess(rss1 - rss0, 32 << 20, "RSS grew over the reloads")
        self.assertLessEqual(fds1, fds0 + 4, "fds grew over the reloads")
        # The probes still run after all that.
        m0 = parse_metrics(main.request("GET", "/metrics", self.token)[2].decode())
        runs0 = metric(m0, "hermes_probe_runs_total", probe="shared")
        wait_for(lambda: metric(parse_metrics(main.request("GET", "/metrics", self.token)[2]
                                              .decode()), "hermes_probe_runs_total",
                                probe="shared") > runs0, timeout=10, what="probes keep running")
        main.close()

    def test_token_rotation_under_load(self):
        make_tokens = {"A": "tokenA-" + "a" * 24, "B": "tokenB-" + "b" * 24}
        self.setup_tls_and_token(token=make_tokens["A"])
        file1, file2 = self.path("token"), self.write("token2", make_tokens["A"] + "\n")
        a, _, _ = self.configs()
        p = self.start_exporter(a, extra=["--web.bearer-token-file", file2])
        ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        main = Client(self.port, ctx)
        phase = {"tokens": ["A"]}
        n = [0]

        def token():
            n[0] += 1
            toks = phase["tokens"]
            return make_tokens[toks[n[0] % len(toks)]]

        def status_with(t):
            return main.request("GET", "/metrics", make_tokens[t])[0]

        scrapers = Scrapers(self.port, ctx, None, token).start()
        self.addCleanup(scrapers.stop)
        timeline = []
        time.sleep(1.5)
        timeline.append(("A only", scrapers.ok))
        # Rotate: file2 now holds B; A (file1) stays valid.
        tmp = self.path("token2.tmp")
        with open(tmp, "w") as f:
            f.write(make_tokens["B"] + "\n")
        os.replace(tmp, file2)
        t_rot = time.monotonic()
        wait_for(lambda: status_with("B") == 200, timeout=5, interval=0.2,
                 what="token B accepted after rotation")
        timeline.append((f"B accepted after {time.monotonic() - t_rot:.2f}s", scrapers.ok))
        phase["tokens"] = ["A", "B"]
        time.sleep(1.5)
        self.assertEqual(status_with("A"), 200, "A must stay valid while its file exists")
        timeline.append(("A and B", scrapers.ok))
        phase["tokens"] = ["B"]
        time.sleep(0.3)   # in-flight scrapes with A finish before A's file goes
        os.remove(file1)
        t_rm = time.monotonic()
        wait_for(lambda: status_with("A") in (401, 429), timeout=5, interval=0.2,
                 what="token A rejected after its file was removed")
        timeline.append((f"A rejected after {time.monotonic() - t_rm:.2f}s", scrapers.ok))
        time.sleep(1.5)
        self.assertIn(status_with("A"), (401, 429))
        self.assertEqual(status_with("B"), 200)
        scrapers.stop()
        timeline.append(("B only", scrapers.ok))
        print(f"\ntoken rotation: {timeline}; failures {len(scrapers.failures)}, "
              f"reconnects {scrapers.reconnects}", file=sys.stderr)
        self.assertEqual(scrapers.failures, [])
        self.assertGreater(scrapers.ok, 20)
        self.assertIsNone(p.poll())
        main.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
