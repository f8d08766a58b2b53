#!/usr/bin/env python3
"""scripts/demo.sh and the command-line polish around it.

- the demo's printed curl command and Prometheus scrape_config work as printed: a real
  Prometheus with exactly that scrape_config (scrape_interval and scrape_timeout
  included) scrapes the demo's exporter (up == 1) and hermes logs no interval warning;
- a second demo on the same ports says so, exits 1 before printing its banner and
  leaves the first one running;
- configuring a build directory twice leaves common/version.h (build date = date of
  the last commit) untouched, so a rerun of the demo rebuilds nothing;
- `-h` prints what `--help` prints.

The demo runs on free ports from the kernel (HERMES_DEMO_PORT) with the binaries of
HERMES_BUILD_DIR (HERMES_DEMO_BIN), so nothing is built or installed here.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import SOURCE_DIR, Harness, binary, free_port, wait_for

DEMO = os.path.join(SOURCE_DIR, "scripts", "demo.sh")
BANNER = "hermes-exporter is running on"


def free_port_pair():
    """A port p with p and p + 1 both free on 127.0.0.1."""
    for _ in range(50):
        p = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise AssertionError("no two adjacent free ports")


class DemoTest(Harness):
    def start_demo(self, name, port):
        env = dict(os.environ, HERMES_DEMO_PORT=str(port), HERMES_DEMO_DIR=self.path("demo"),
                   HERMES_DEMO_BIN=os.path.dirname(binary("hermes-exporter")))
        # Its own process group: demo.sh's children die with it (see _kill_group).
        p = self.start(name, ["bash", DEMO], env=env, start_new_session=True)
        self.addCleanup(self._kill_group, p)
        return p

    @staticmethod
    def _kill_group(p):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def output(self, p):
        p.stdout_file.flush()
        with open(p.stdout_file.name) as f:
            return f.read()

    def test_demo_as_printed_and_a_second_demo(self):
        port = free_port_pair()
        first = self.start_demo("demo1", port)
        out = wait_for(lambda: first.poll() is None and BANNER in self.output(first)
                       and "Ctrl-C stops" in self.output(first) and self.output(first),
                       timeout=60, what="the demo's banner")

        # The printed curl command, run as printed.
        curl = re.search(r"Scrape it:\n\s+(curl .*)\n", out).group(1)
        r = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("hermes_build_info{", r.stdout)

        # The printed scrape_config, used as printed by a real Prometheus.
        block = out.split("Prometheus scrape_config:\n", 1)[1].split("\n\n", 1)[0]
        self.assertRegex(block, r"(?m)^\s+scrape_interval: 15s\b")
        self.assertRegex(block, r"(?m)^\s+scrape_timeout: 10s\b")
        lines = block.splitlines()
        indent = len(lines[0]) - len(lines[0].lstrip())
        scrape = "\n".join("  " + line[indent:] for line in lines)
        prom = self.run_prometheus("global: {evaluation_interval: 1m}\nscrape_configs:\n" + scrape + "\n")

        def up():
            self.assertIsNone(prom.poll(), self.log_of(prom))
            return self.query('up{job="hermes"} == 1')
        # A new target is first scraped within one scrape_interval (15 s).
        wait_for(up, timeout=60, what="Prometheus scraping the demo with its printed config")

        # A second demo on the same ports: refuses before its banner, first one intact.
        second = self.start_demo("demo2", port)
        rc = second.wait(timeout=30)
        self.assertEqual(rc, 1)
        err = self.log_of(second)
        self.assertIn(f"port {port} on 127.0.0.1 is already in use", err)
        self.assertIn(f"HERMES_DEMO_PORT={port + 2}", err)
        self.assertNotIn(BANNER, self.output(second))
        self.assertIsNone(first.poll())
        r = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Prometheus scrapes at global.scrape_interval: no interval warning.
        self.assertNotIn("scrapes arrive at another interval", self.log_of(first))

    def test_reconfigure_keeps_build_metadata(self):
        """Configuring twice leaves version.h alone (nothing to rebuild), and its build
        date is the last commit's."""
        build = tempfile.mkdtemp(prefix="hermes-configure-", dir=self.dir)
        cmd = ["cmake", "-S", SOURCE_DIR, "-B", build, "-G", "Ninja", "-DHERMES_TESTS=OFF"]
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
        header = os.path.join(build, "generated", "common", "version.h")
        with open(header) as f:
            first = f.read()
        mtime = os.stat(header).st_mtime_ns
        subprocess.run(cmd, check=True, capture_output=True, env=env, timeout=300)
        with open(header) as f:
            self.assertEqual(f.read(), first)
        self.assertEqual(os.stat(header).st_mtime_ns, mtime, "version.h rewritten: everything rebuilds")
        commit = subprocess.run(["git", "-C", SOURCE_DIR, "show", "-s", "--format=%ct", "HEAD"],
                                capture_output=True, text=True)
        if commit.returncode == 0:
            date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(commit.stdout)))
            self.assertIn(f'kBuildDate = "{date}"', first)
        # SOURCE_DATE_EPOCH (reproducible builds) wins.
        subprocess.run(cmd, check=True, capture_output=True, timeout=300,
                       env=dict(env, SOURCE_DATE_EPOCH="1700000000"))
        with open(header) as f:
            self.assertIn('kBuildDate = "2023-11-14T22:13:20Z"', f.read())

    def test_short_help(self):
        for name in ("hermes-exporter", "hermes-target"):
            long = subprocess.run([binary(name), "--help"], capture_output=True, text=True)
            short = subprocess.run([binary(name), "-h"], capture_output=True, text=True)
            self.assertEqual((short.returncode, short.stdout), (0, long.stdout), name)
            self.assertIn("-h, --help", long.stdout)


if __name__ == "__main__":
    unittest.main()
