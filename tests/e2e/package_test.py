#!/usr/bin/env python3
"""The Debian packages: scripts/package.sh with the files in packaging/deb/.

Builds the hermes-exporter and hermes-target .debs from HERMES_BUILD_DIR's binaries,
then checks them with the tools Debian uses and by running what they install:

- lintian reports no error and no warning;
- control data: Depends computed from the binaries' libraries, conffiles, maintainer
  scripts that parse, stripped binaries, man pages that render without warnings;
- `systemd-analyze verify` accepts both units (and the CAP_NET_RAW drop-in) in the
  unpacked tree, and `systemd-analyze security --offline` rates each unit "OK" (its
  exposure score is printed);
- the units' SystemCallFilter allows every system call hermes makes: both binaries
  run under strace through start, every probe kind, scrapes over TLS, a SIGHUP reload
  (the exporter unit's ExecReload) and SIGTERM; each call must be in @system-service
  and in neither @privileged nor @resources;
- `dpkg --root` installs both packages into a throw-away root with its own dpkg
  database, the maintainer scripts acting on that root only (DPKG_ROOT): the user is
  created there, /etc/hermes gets mode 0750 for its group, the units are enabled; the
  installed exporter, started with the packaged /etc/default arguments and
  /etc/hermes/hermes.yml, serves /metrics, reloads on SIGHUP and stops on SIGTERM, and
  the installed hermes-target serves a speed test; a purge removes all but the user.

The complete installation (apt into a debootstrap'ed Debian 12, postinst, the service
user) is tests/ci/deb_install_test.py, which .ci/run runs after the test command.
"""
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from fullstack_test import DnsResponder
from harness import SOURCE_DIR, Harness, binary, free_port, metric, parse_metrics, wait_for

PACKAGE_SH = os.path.join(SOURCE_DIR, "scripts", "package.sh")
UNITS = ("hermes-exporter", "hermes-target")
TOOLS = ("lintian", "systemd-analyze", "dpkg-deb", "dpkg-shlibdeps", "strace", "man")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)


def speedtest_item(url, ca_file=None):
    """A quick speedtest probe named st (every 2 s, 300 ms per direction) as a hermes.yml
    list item."""
    tls = f"\n    tls_config: {{ca_file: {ca_file}}}" if ca_file else ""
    return f"""  - name: st
    kind: speedtest
    url: {url}
    interval: 2s
    timeout: 1500ms{tls}
    latency: {{samples: 2}}
    download: {{streams: 1, duration: 300ms, warmup: 100ms, max_bytes: 1GB}}
    upload: {{streams: 1, duration: 300ms, warmup: 100ms, max_bytes: 1GB}}
"""


def wait_probe_success(test, probe, what, timeout=60):
    """Waits until `test`'s exporter (test.base, test.token) reports `probe` successful."""
    wait_for(lambda: (metric(parse_metrics(test.get("/metrics").text()), "hermes_probe_success",
                             probe=probe) or 0) == 1, timeout=timeout, what=what)


def syscall_groups():
    """{"@group": {syscalls}} from `systemd-analyze syscall-filter`, nested groups expanded."""
    text = run(["systemd-analyze", "syscall-filter"]).stdout
    raw, cur = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            cur = raw.setdefault(line.strip(), set())
        elif cur is not None and line.strip() and not line.strip().startswith("#"):
            cur.add(line.strip())

    def expand(name, seen=()):
        out = set()
        for m in raw.get(name, ()):
            out |= expand(m, seen + (name,)) if m.startswith("@") and m not in seen else {m}
        return out
    return {g: expand(g) for g in raw}


class PackageTest(Harness):
    @classmethod
    def setUpClass(cls):
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            raise AssertionError(f"missing {missing} (scripts/deps.sh test installs them)")
        cls.out = tempfile.mkdtemp(prefix="hermes-deb-")
        env = dict(os.environ, BUILD_DIR=os.path.dirname(binary("hermes-exporter")))
        p = run([PACKAGE_SH, cls.out], env=env, timeout=600)
        if p.returncode != 0:
            raise AssertionError("scripts/package.sh failed:\n" + p.stdout + p.stderr)
        cls.debs = {os.path.basename(d).split("_")[0]: d for d in sorted(glob.glob(f"{cls.out}/*.deb"))}
        cls.tree = os.path.join(cls.out, "tree")  # both packages extracted
        for d in cls.debs.values():
            subprocess.run(["dpkg-deb", "-x", d, cls.tree], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def field(self, name, key):
        return run(["dpkg-deb", "-f", self.debs[name], key]).stdout.strip()

    # --- package contents --------------------------------------------------------
    def test_lintian_clean(self):
        self.assertEqual(sorted(self.debs), sorted(UNITS))
        p = run(["lintian", "--fail-on", "error,warning", "--display-info", *self.debs.values()],
                timeout=600)
        print(f"\nlintian: {p.stdout.strip() or 'no tags'}", file=sys.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotRegex(p.stdout, r"(?m)^[EW]: ")

    def test_control_and_files(self):
        for name in UNITS:
            with self.subTest(name):
                depends = self.field(name, "Depends")
                libs = ("adduser", "libc6", "libssl3", "libyaml-cpp0.7", "libnghttp2-14")
                if name == "hermes-exporter":
                    libs += ("libcurl4", "libc-ares2")
                for lib in libs:
                    self.assertRegex(depends, rf"(^|, ){re.escape(lib)}\b")
                self.assertEqual(self.field(name, "Version"), self.field("hermes-exporter", "Version"))
                self.assertEqual(self.field(name, "Source"), "hermes")
                info = run(["dpkg-deb", "-I", self.debs[name]]).stdout
                for script in ("postinst", "prerm", "postrm"):
                    self.assertIn(f" {script}", info)
                ctrl = os.path.join(self.out, "ctrl-" + name)
                subprocess.run(["dpkg-deb", "-e", self.debs[name], ctrl], check=True)
                for script in ("postinst", "prerm", "postrm"):
                    self.assertEqual(run(["sh", "-n", os.path.join(ctrl, script)]).returncode, 0, script)
                with open(os.path.join(ctrl, "conffiles")) as f:
                    conffiles = f.read().split()
                self.assertIn(f"/etc/default/{name}", conffiles)
                for c in conffiles:
                    self.assertTrue(os.path.isfile(self.tree + c), c)
                sections = run(["readelf", "-S", os.path.join(self.tree, "usr/bin", name)]).stdout
                self.assertIn(".text", sections)
                self.assertNotIn(".symtab", sections, "not stripped")
                self.assertNotIn(".debug_info", sections)
                man = os.path.join(self.tree, f"usr/share/man/man1/{name}.1.gz")
                r = run(["man", "--warnings", "-E", "UTF-8", "-l", man], env=dict(os.environ, MANWIDTH="80"))
                self.assertEqual((r.returncode, r.stderr), (0, ""), name)
                self.assertIn("--web.listen-address", r.stdout.replace("‐", "-"))
        with open(os.path.join(self.out, "ctrl-hermes-exporter", "conffiles")) as f:
            self.assertIn("/etc/hermes/hermes.yml", f.read())

    def test_packaged_config_is_valid(self):
        p = run([os.path.join(self.tree, "usr/bin/hermes-exporter"), "--config.check",
                 "--config.file", os.path.join(self.tree, "etc/hermes/hermes.yml")])
        self.assertEqual(p.returncode, 0, p.stderr)

    # --- systemd --------------------------------------------------------------------
    def units(self):
        """The units in the extracted tree, with the opt-in drop-in installed, and what
        they refer to from the base system (targets, /bin/kill) copied from this host."""
        dropin_dir = os.path.join(self.tree, "etc/systemd/system/hermes-exporter.service.d")
        os.makedirs(dropin_dir, exist_ok=True)
        shutil.copy(os.path.join(self.tree, "usr/share/doc/hermes-exporter/examples/net-raw.conf"), dropin_dir)
        os.makedirs(os.path.join(self.tree, "bin"), exist_ok=True)
        shutil.copy("/bin/kill", os.path.join(self.tree, "bin/kill"))
        for t in glob.glob("/lib/systemd/system/*.target"):
            shutil.copy(t, os.path.join(self.tree, "lib/systemd/system"))
        return [f"/lib/systemd/system/{u}.service" for u in UNITS]

    def test_systemd_analyze_verify(self):
        units = self.units()
        # --man=no: the man pages are checked with man itself above.
        p = run(["systemd-analyze", "verify", "--man=no", f"--root={self.tree}", *units])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.strip(), "", "systemd-analyze verify warnings")

    def test_systemd_security_rating(self):
        for unit in self.units():
            with self.subTest(unit):
                p = run(["systemd-analyze", "security", "--offline=true", f"--root={self.tree}", "--no-pager",
                         unit])
                m = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\S+)", p.stdout)
                self.assertIsNotNone(m, p.stdout + p.stderr)
                print(f"\n{os.path.basename(unit)}: exposure {m.group(1)} {m.group(2)}",
                      file=sys.stderr)
                self.assertLess(float(m.group(1)), 2.0)
                self.assertEqual(m.group(2), "OK")

    def test_syscall_filter_allows_what_hermes_does(self):
        groups = syscall_groups()
        allowed = groups["@system-service"] - groups["@privileged"] - groups["@resources"]
        self.assertIn("read", allowed)
        self.assertNotIn("setrlimit", allowed)  # @resources, parsed and subtracted
        self.setup_tls_and_token()
        dns = DnsResponder()
        self.addCleanup(dns.close)
        target_port = free_port()
        tree_bin = os.path.join(self.tree, "usr/bin")

        def traced(name, args):
            # -D: strace runs as a grandchild, so the process started here (and signalled
            # below) is hermes itself.
            out = self.path(f"{name}.strace")
            return self.start(name, ["strace", "-D", "-f", "-q", "-o", out,
                                     os.path.join(tree_bin, name), *args]), out
        target, target_trace = traced("hermes-target", [
            "--web.listen-address", f"127.0.0.1:{target_port}", "--web.config.file", self.path("web.yml")])
        self.write("hermes.yml", """
global: {scrape_interval: 1s}
probes:
""" + speedtest_item(f"https://127.0.0.1:{target_port}", f"{self.dir}/ca.crt") + f"""  - {{name: web, kind: http, url: "https://127.0.0.1:{target_port}/-/healthy", interval: 1s,
     timeout: 900ms, tls_config: {{ca_file: {self.dir}/ca.crt}}}}
  - {{name: tcp, kind: tcp, address: "127.0.0.1:{target_port}", interval: 1s, timeout: 900ms}}
  - {{name: dns, kind: dns, query: hermes.test, type: A, server: "127.0.0.1:{dns.port}", interval: 1s,
     timeout: 900ms}}
  - {{name: icmp, kind: icmp, host: 127.0.0.1, interval: 1s, timeout: 900ms, samples: 2}}
""")
        self.port = free_port()
        exporter, exporter_trace = traced("hermes-exporter", [
            "--config.file", self.path("hermes.yml"), "--web.listen-address", f"127.0.0.1:{self.port}",
            "--web.config.file", self.path("web.yml"), "--web.bearer-token-file", self.path("token")])
        self.base = f"https://127.0.0.1:{self.port}"
        wait_for(lambda: exporter.poll() is None and self.get("/-/ready").status == 200, timeout=60,
                 what="hermes-exporter under strace ready")

        def all_ran():
            m = parse_metrics(self.get("/metrics").text())
            return all((metric(m, "hermes_probe_success", probe=p) or 0) == 1
                       for p in ("st", "web", "tcp", "dns", "icmp"))
        wait_for(all_ran, timeout=90, what="every probe kind successful under strace")
        exporter.send_signal(signal.SIGHUP)
        wait_for(lambda: "config reloaded" in self.log_of(exporter), timeout=30, what="reload")
        self.assertEqual(self.get("/metrics").status, 200)
        for p in (exporter, target):
            self.assertEqual(self.stop(p, timeout=30)[0], 0, self.log_of(p))

        for name, trace, p in (("hermes-exporter", exporter_trace, exporter),
                               ("hermes-target", target_trace, target)):
            def complete():  # the detached strace has written the main thread's exit
                with open(trace) as f:
                    return re.search(rf"(?m)^{p.pid}\s+\+\+\+ exited with 0 \+\+\+$", f.read())
            wait_for(complete, timeout=30, what=f"the end of {name}'s trace")
            with open(trace) as f:
                used = set(re.findall(r"^\d+\s+([a-z0-9_]+)\(", f.read(), re.M))
            # execve is strace starting the program (systemd execs it before the filter).
            used -= {"execve"}
            with self.subTest(name):
                self.assertGreater(len(used), 30)
                self.assertEqual(sorted(used - allowed), [], f"{name} makes calls the unit's filter denies")

    # --- dpkg into a throw-away root ----------------------------------------------------
    def test_dpkg_install_into_a_root_and_run(self):
        """dpkg --root installs both packages into an empty root with its own database;
        the maintainer scripts run outside it (--force-script-chrootless, DPKG_ROOT) and
        must act on that root only. The libraries are this host's (--force-depends)."""
        root = self.path("root")
        admin = os.path.join(root, "var/lib/dpkg")
        for d in ("updates", "info", "triggers"):
            os.makedirs(os.path.join(admin, d))
        for f in ("status", "available"):
            open(os.path.join(admin, f), "w").close()
        host_wants = "/etc/systemd/system/multi-user.target.wants"
        host_before = (run(["getent", "passwd", "hermes"]).stdout, sorted(glob.glob(host_wants + "/hermes-*")))
        dpkg = ["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends"]
        p = run([*dpkg, "-i", *self.debs.values()])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((run(["getent", "passwd", "hermes"]).stdout, sorted(glob.glob(host_wants + "/hermes-*"))),
                         host_before, "the maintainer scripts changed this host")
        for name in UNITS:
            st = run(["dpkg-query", f"--admindir={admin}", "-W", "-f", "${Status}|${Conffiles}", name]).stdout
            self.assertTrue(st.startswith("install ok installed|"), st)
            self.assertIn(f"/etc/default/{name}", st)
            for path in (f"/usr/bin/{name}", f"/lib/systemd/system/{name}.service",
                         f"/etc/systemd/system/multi-user.target.wants/{name}.service"):
                self.assertTrue(os.path.lexists(root + path), path)  # installed, enabled
        # postinst: the user (systemd-sysusers), /etc/hermes readable by its group only.
        with open(os.path.join(root, "etc/passwd")) as f:
            user = [l.split(":") for l in f if l.startswith("hermes:")]
        self.assertEqual(len(user), 1)
        self.assertEqual(user[0][5:], ["/nonexistent", "/usr/sbin/nologin\n"])
        st = os.stat(os.path.join(root, "etc/hermes"))
        self.assertEqual((oct(st.st_mode & 0o7777), st.st_uid, st.st_gid), ("0o750", 0, int(user[0][3])))

        def args_of(name):
            """The unit's ExecStart arguments: ARGS of /etc/default/<name>, paths under `root`."""
            with open(os.path.join(root, "etc/default", name)) as f:
                m = re.search(r'(?m)^ARGS="(.*)"$', f.read())
            return [a.replace("=/etc/", f"={root}/etc/") for a in shlex.split(m.group(1))]

        target_port = free_port()
        target_args = [a for a in args_of("hermes-target") if not a.startswith("--web.listen-address")]
        target = self.start("target", [os.path.join(root, "usr/bin/hermes-target"), *target_args,
                                       f"--web.listen-address=127.0.0.1:{target_port}"])
        self.port = free_port()
        exporter_args = args_of("hermes-exporter")
        self.assertIn(f"--config.file={root}/etc/hermes/hermes.yml", exporter_args)
        exporter = self.start("exporter", [os.path.join(root, "usr/bin/hermes-exporter"), *exporter_args,
                                           f"--web.listen-address=127.0.0.1:{self.port}"])
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: exporter.poll() is None and self.get("/-/ready").status == 200, timeout=30,
                 what="installed hermes-exporter ready")
        m = parse_metrics(self.get("/metrics").text())
        self.assertIsNotNone(metric(m, "hermes_probe_runs_total", probe="self"))  # the packaged config
        # ExecReload: SIGHUP re-reads /etc/hermes/hermes.yml - here a speed test against
        # the installed hermes-target.
        with open(os.path.join(root, "etc/hermes/hermes.yml"), "w") as f:
            f.write("global: {scrape_interval: 1s}\nprobes:\n" + speedtest_item(f"http://127.0.0.1:{target_port}"))
        exporter.send_signal(signal.SIGHUP)
        wait_probe_success(self, "st", "the reloaded config's speed test against the installed hermes-target")
        for p in (exporter, target):
            self.assertEqual(self.stop(p)[0], 0)

        # Purge: files, enablement and the override go; the user stays.
        p = run([*dpkg, "--purge", *UNITS])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for path in ("usr/bin/hermes-exporter", "etc/hermes", "etc/default/hermes-target",
                     "etc/systemd/system/multi-user.target.wants/hermes-exporter.service"):
            self.assertFalse(os.path.lexists(os.path.join(root, path)), path)
        with open(os.path.join(admin, "statoverride")) as f:
            self.assertNotIn("/etc/hermes", f.read())


if __name__ == "__main__":
    unittest.main()
