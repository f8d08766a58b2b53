#!/usr/bin/env python3
"""The Debian packages installed as an administrator would: apt into a fresh Debian 12.

    python3 tests/ci/deb_install_test.py        # as root; .ci/run runs it after the test command

A throw-away root from `debootstrap --variant=minbase bookworm` (scripts/debootstrap-base.sh,
cached), the packages from scripts/package.sh (HERMES_BUILD_DIR's binaries), then in a
chroot: `apt-get install ./hermes-*.deb` resolves the libraries from the Debian
mirror and runs the maintainer scripts (adduser: minbase has no systemd-sysusers); the
user hermes exists, /etc/hermes is root:hermes 0750, the units are enabled; the
installed hermes-exporter runs as user hermes in the chroot with the packaged
/etc/default arguments against a test config in /etc/hermes (and a token file there,
mode 0640), is scraped from outside, reloads on SIGHUP, stops on SIGTERM; the installed
hermes-target serves its speed test; `apt-get purge` leaves only the user and the administrator's own files.

Slow (minutes: debootstrap once, then apt downloads), hence not in the test command.
"""
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import SOURCE_DIR, Harness, binary, free_port, wait_for  # noqa: E402
from package_test import speedtest_item, wait_probe_success  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 900), **kw)


class DebInstallTest(Harness):
    def chroot(self, *cmd, **kw):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        return run(["chroot", self.root, *cmd], env=env, **kw)

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("needs root (chroot, mount)")
        p = run([os.path.join(SOURCE_DIR, "scripts", "debootstrap-base.sh")], timeout=1800)
        self.assertEqual(p.returncode, 0, p.stderr)
        tarball = p.stdout.strip().splitlines()[-1]
        self.root = self.path("root")
        with tarfile.open(tarball) as t:
            t.extractall(self.root, numeric_owner=True)
        os.chmod(self.root, 0o755)  # it is / for the service user
        shutil.copy("/etc/resolv.conf", os.path.join(self.root, "etc/resolv.conf"))
        run(["mount", "-t", "proc", "proc", os.path.join(self.root, "proc")])
        self.addCleanup(run, ["umount", "-l", os.path.join(self.root, "proc")])
        debs = tempfile.mkdtemp(dir=os.path.join(self.root, "tmp"))
        env = dict(os.environ, BUILD_DIR=os.path.dirname(binary("hermes-exporter")))
        p = run([os.path.join(SOURCE_DIR, "scripts", "package.sh"), debs], env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.debs = ["/" + os.path.relpath(d, self.root) for d in sorted(glob.glob(debs + "/*.deb"))]
        self.assertEqual(len(self.debs), 2)

    def test_apt_install_run_purge(self):
        p = self.chroot("apt-get", "update", "-qq")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.chroot("apt-get", "install", "-y", "-qq", "--no-install-recommends", *self.debs)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        print(f"\n{self.chroot('dpkg-query', '-W', 'hermes-*').stdout}", file=sys.stderr)
        for name in ("hermes-exporter", "hermes-target"):
            st = self.chroot("dpkg-query", "-W", "-f", "${Status}", name).stdout
            self.assertEqual(st, "install ok installed")
            self.assertTrue(os.path.islink(os.path.join(
                self.root, f"etc/systemd/system/multi-user.target.wants/{name}.service")), name)
        user = self.chroot("getent", "passwd", "hermes").stdout.strip().split(":")
        self.assertEqual(user[5:], ["/nonexistent", "/usr/sbin/nologin"])
        gid = int(user[3])
        st = os.stat(os.path.join(self.root, "etc/hermes"))
        self.assertEqual((oct(st.st_mode & 0o7777), st.st_uid, st.st_gid), ("0o750", 0, gid))

        # A test config and a token in /etc/hermes, as the README tells administrators.
        self.port, target_port = free_port(), free_port()
        etc = os.path.join(self.root, "etc/hermes")
        with open(os.path.join(etc, "hermes.yml"), "w") as f:
            f.write(f"""
global: {{scrape_interval: 1s}}
probes:
  - {{name: self, kind: tcp, address: "127.0.0.1:{self.port}", interval: 1s, timeout: 900ms}}
""")
        with open(os.path.join(etc, "token"), "w") as f:
            f.write("deb-install-token\n")
        os.chown(os.path.join(etc, "token"), 0, gid)
        os.chmod(os.path.join(etc, "token"), 0o640)

        def args_of(name):  # ARGS of /etc/default/<name>, as the unit passes them
            with open(os.path.join(self.root, "etc/default", name)) as f:
                return shlex.split(re.search(r'(?m)^ARGS="(.*)"$', f.read()).group(1))

        def start_as_hermes(name, args):  # chroot execs the binary: the pid is hermes'
            return self.start(name, ["chroot", "--userspec=hermes:hermes", self.root, f"/usr/bin/{name}",
                                     *args], env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        target = start_as_hermes("hermes-target", [a for a in args_of("hermes-target")
                                                   if not a.startswith("--web.listen-address")]
                                 + [f"--web.listen-address=127.0.0.1:{target_port}"])
        exporter = start_as_hermes("hermes-exporter", args_of("hermes-exporter") + [
            f"--web.listen-address=127.0.0.1:{self.port}", "--web.bearer-token-file=/etc/hermes/token"])
        self.base, self.token = f"http://127.0.0.1:{self.port}", "deb-install-token"
        wait_for(lambda: exporter.poll() is None and self.get("/-/ready").status == 200, timeout=30,
                 what="the installed hermes-exporter ready")
        self.assertEqual(self.get("/metrics", use_token=False).status, 401)
        wait_probe_success(self, "self", "its probe, as user hermes", timeout=30)
        with open(f"/proc/{exporter.pid}/status") as f:
            self.assertRegex(f.read(), rf"(?m)^Uid:\s+{user[2]}\s")
        # ExecReload: SIGHUP re-reads /etc/hermes/hermes.yml (a speed test now).
        with open(os.path.join(etc, "hermes.yml"), "a") as f:
            f.write(speedtest_item(f"http://127.0.0.1:{target_port}"))
        exporter.send_signal(signal.SIGHUP)
        wait_probe_success(self, "st", "the speed test against the installed target")
        for p in (exporter, target):
            self.assertEqual(self.stop(p)[0], 0, self.log_of(p))

        p = self.chroot("apt-get", "purge", "-y", "-qq", "hermes-exporter", "hermes-target")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for path in ("usr/bin/hermes-exporter", "etc/default/hermes-exporter", "lib/systemd/system/hermes-target.service",
                     "etc/systemd/system/multi-user.target.wants/hermes-exporter.service"):
            self.assertFalse(os.path.lexists(os.path.join(self.root, path)), path)
        # The administrator's token stays (dpkg never removes files it did not install).
        self.assertFalse(os.path.exists(os.path.join(etc, "hermes.yml")))
        self.assertTrue(os.path.exists(os.path.join(etc, "token")))
        self.assertEqual(self.chroot("getent", "passwd", "hermes").returncode, 0, "the user stays")


if __name__ == "__main__":
    unittest.main()
