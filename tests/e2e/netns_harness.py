"""Shared by the e2e tests that run hermes-exporter in the client namespace of a
netns.Path and measure against ground truth (accuracy_test.py, stamp_test.py).

    class MyTest(NetnsHarness):         # cls.net: the netns.Path, set in setUpClass
        ...
        self.http(self.url("/metrics"))  # a request made from the client namespace
        m = self.run_probe("name")       # triggers one run, waits, returns the metrics
    TABLE = ResultTable(("scenario", "figure", ...))
    TABLE.record(scenario, figure, ..., ok=True)   # printed by TABLE.print()
    exit_on_sigterm(MyTest)             # in __main__, before unittest.main()

The exporter listens on EXPORTER inside the client namespace, with
--web.enable-lifecycle (for /-/trigger), and --log.level=debug where a test reads
hermes_window() (the "speedtest window" lines).
"""
import re
import sys
import time

import netns
from harness import Harness, metric, parse_metrics, wait_for

EXPORTER = "127.0.0.1:10516"  # inside the client namespace (ports are per namespace)
_ACTIVE = {}  # "test": the running test, for the SIGTERM handler


class ResultTable:
    """Rows of figures, printed as one aligned table (to stderr) at the end."""

    def __init__(self, head):
        self.head, self.rows = tuple(head) + ("",), []

    def record(self, *cols, ok):
        self.rows.append(tuple(cols) + ("ok" if ok else "FAIL",))

    def print(self):
        if not self.rows:
            return
        all_rows = self.rows + [self.head]
        widths = [max(len(str(r[i])) for r in all_rows) for i in range(len(self.head))]
        line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        print("\n" + line(self.head), file=sys.stderr)
        print("  ".join("-" * w for w in widths), file=sys.stderr)
        for r in self.rows:
            print(line(r), file=sys.stderr)


class NetnsHarness(Harness):
    net = None  # the netns.Path, set by the subclass' setUpClass

    def setUp(self):
        super().setUp()
        _ACTIVE["test"] = self

    def url(self, path):
        return f"http://{EXPORTER}{path}"

    def http(self, url, method="GET"):
        """(status, body) of a request made from inside the client namespace."""
        return netns.http(self.net.client_ns, url, method)

    def metrics(self):
        status, body = self.http(self.url("/metrics"))
        self.assertEqual(status, 200, body)
        return parse_metrics(body)

    def trigger(self, probe):
        """Starts one run of `probe`; returns a function that waits for it and returns
        the metrics after it (failing the test when the run failed)."""
        runs = lambda: metric(self.metrics(), "hermes_probe_runs_total", probe=probe) or 0
        for _ in range(5):
            before = runs()
            status, body = self.http(self.url(f"/-/trigger?probe={probe}"), method="POST")
            if status == 202:
                break
            if status == 409:  # a scheduled run is under way: let it finish
                wait_for(lambda: runs() > before, timeout=90, what=f"scheduled {probe} run")
            if status in (409, 429):  # 429: triggered less than one scrape interval ago
                time.sleep(1.1)
                continue
            self.fail(f"trigger {probe}: {status} {body}")
        else:
            self.fail(f"could not trigger {probe}")

        def wait():
            wait_for(lambda: runs() > before, timeout=90, interval=0.25, what=f"{probe} run")
            m = self.metrics()
            if metric(m, "hermes_probe_success", probe=probe) != 1:
                log = self.log_of(self.exporter)[-3000:] if hasattr(self, "exporter") else ""
                self.fail(f"{probe} run failed: {self.http(self.url('/-/status'))[1]}\n"
                          f"exporter log:\n{log}")
            return m
        return wait

    def hermes_window(self, probe, direction):
        """(start, end) of the window hermes' last `probe` run measured
        `direction` in, from its debug log: CLOCK_MONOTONIC seconds, like LinkMeter's.
        On a CPU-starved host the window's ends are readings taken when hermes got a
        CPU, so it can be hundreds of ms longer or shorter than duration - warmup."""
        found = None
        for line in self.log_of(self.exporter).splitlines():
            f = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
            if (f.get("msg") == '"speedtest window"' and f.get("probe") == probe
                    and f.get("direction") == direction):
                end = float(f["end_monotonic"])
                found = (end - float(f["seconds"]), end)
        self.assertIsNotNone(found, f"no speedtest window logged for {probe} {direction}")
        return found

    def run_probe(self, probe):
        """Triggers one run of `probe`, waits for it and returns the metrics after it."""
        return self.trigger(probe)()


def exit_on_sigterm(test_class):
    """On SIGTERM (ctest's timeout) unittest would record an error and go on with the
    next test: kill the running test's processes, delete the namespaces and exit."""
    netns.exit_on_sigterm(_ACTIVE, test_class)
