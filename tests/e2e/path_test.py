"""The path a probe means, in network namespaces with two uplinks (netns.TwoLinks).

hermes-exporter runs in a client namespace with two links (wan1, wan2) to a server
namespace, where hermes-target (speedtest, http, tcp), a DNS responder and the
kernel's ICMP echo answer on one service address per family. IPv4 to the service
routes by wan1 by default, IPv6 only by wan2. Ground truth: the client-side device
counters of each link.

1. Each kind (speedtest, http, tcp, dns, icmp), run once per path: with no path
   keys its bytes leave by wan1 (the routing table's choice); with `interface: wan2`
   and with `source_ip_address` = wan2's address (a policy rule routes that source
   by wan2, as on a multi-WAN router) they leave by wan2. The named link carries at
   least what the probe reported moving each way; the other carries nothing but the
   kernel's own neighbour discovery (NOISE).
2. Family: names resolve (through the namespace's /etc/hosts) to IPv4 only, IPv6
   only or both. preferred_ip_protocol picks the family of a dual-stack name (seen as
   the link it crosses); with ip_protocol_fallback false a target without that family
   fails as `dns`, with fallback true it is reached over the other family.
3. `hermes-exporter --config.check` exits 1 naming the key for a source address or
   interface the host lacks, and 0 for ones it has.
Every figure goes into one table at the end. Needs root (skips otherwise).
"""
import subprocess
import sys
import unittest

import netns
from harness import Harness, binary, metric, parse_metrics, wait_for
from misbehaving import DnsFixture

EXPORTER = "127.0.0.1:10516"  # inside the client namespace
TARGET_PORT = 10517
V4, V6 = netns.TwoLinks.SERVICE_V4, netns.TwoLinks.SERVICE_V6
HOSTS = {"v4only.test": [V4], "v6only.test": [V6], "dual.test": [V4, V6]}
NOISE = 512  # bytes a link may send besides the probe's (none were seen)
PATHS = {"default": "", "iface": "interface: wan2, ",
         "source": f"source_ip_address: {netns.TwoLinks.WAN2_V4}, "}
ROWS = []
ACTIVE = {}  # "test": the running test, for netns.exit_on_sigterm


def kinds():
    """One probe per kind, all with the same path keys."""
    speed = ("kind: speedtest, url: 'http://{v4}:{port}', latency: {{samples: 3}}, "
             "download: {{streams: 2, duration: 2s, warmup: 200ms, max_bytes: 4MB}}, "
             "upload: {{streams: 2, duration: 2s, warmup: 200ms, max_bytes: 2MB}}")
    return {
        "speedtest": speed,
        "http": "kind: http, url: 'http://{v4}:{port}/__down?bytes=300000', max_body_bytes: 1MB",
        "tcp": "kind: tcp, address: '{v4}:{port}', samples: 5",
        "dns": "kind: dns, query: example.com, server: '{v4}:{dns_port}'",
        "icmp": "kind: icmp, host: {v4}, samples: 5",
    }


FAMILY_PROBES = {
    # name: (probe body, expected link or None for a failure, expected reason)
    "dual_ip6": ("kind: tcp, address: 'dual.test:{port}', preferred_ip_protocol: ip6", "wan2", None),
    "dual_ip4": ("kind: tcp, address: 'dual.test:{port}', preferred_ip_protocol: ip4", "wan1", None),
    "speed_dual_ip6": ("kind: speedtest, url: 'http://dual.test:{port}', "
                       "preferred_ip_protocol: ip6, latency: {{samples: 3}}, "
                       "download: {{streams: 2, duration: 2s, warmup: 200ms, max_bytes: 2MB}}, "
                       "upload: {{enabled: false}}", "wan2", None),
    "icmp_dual_ip6": ("kind: icmp, host: dual.test, preferred_ip_protocol: ip6, samples: 3",
                      "wan2", None),
    "v6only_ip4_fallback": ("kind: http, url: 'http://v6only.test:{port}/-/healthy', "
                            "preferred_ip_protocol: ip4", "wan2", None),
    "v6only_ip4_only": ("kind: http, url: 'http://v6only.test:{port}/-/healthy', "
                        "preferred_ip_protocol: ip4, ip_protocol_fallback: false", None, "dns"),
    "v4only_ip6_only": ("kind: tcp, address: 'v4only.test:{port}', preferred_ip_protocol: ip6, "
                        "ip_protocol_fallback: false", None, "dns"),
    "v4only_ip6_fallback": ("kind: tcp, address: 'v4only.test:{port}', "
                            "preferred_ip_protocol: ip6", "wan1", None),
}


def config(dns_port):
    lines = ["global:", "  scrape_interval: 1s", "probes:"]
    for pname, keys in PATHS.items():
        for kind, body in kinds().items():
            lines.append(f"  - {{name: {kind}_{pname}, interval: 1h, timeout: 20s, {keys}"
                         + body.format(v4=V4, port=TARGET_PORT, dns_port=dns_port) + "}")
    for name, (body, _, _) in FAMILY_PROBES.items():
        lines.append(f"  - {{name: {name}, interval: 1h, timeout: 20s, "
                     + body.format(port=TARGET_PORT) + "}")
    return "\n".join(lines) + "\n"


class PathTest(Harness):
    @classmethod
    def setUpClass(cls):
        reason = netns.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.net = netns.TwoLinks("path", HOSTS)
        cls.addClassCleanup(cls.net.close)

    @classmethod
    def tearDownClass(cls):
        if ROWS:
            widths = [max(len(str(r[i])) for r in ROWS) for i in range(len(ROWS[0]))]
            print("", *("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
                        for r in ROWS), sep="\n", file=sys.stderr)

    def setUp(self):
        super().setUp()
        ACTIVE["test"] = self
        net = self.net
        self.start("target", net.cmd(net.server_ns, [
            binary("hermes-target"), f"--web.listen-address={V4}:{TARGET_PORT}",
            f"--web.listen-address=[{V6}]:{TARGET_PORT}"]))
        with netns.entered(net.server_ns):
            self.dns = DnsFixture(host=V4)
        self.addCleanup(self.dns.stop)
        self.write("hermes.yml", config(self.dns.port))
        self.exporter = self.start("exporter", net.cmd(net.client_ns, [
            binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
            f"--web.listen-address={EXPORTER}", "--web.enable-lifecycle"]))
        wait_for(lambda: self.exporter.poll() is None and self.http("/-/ready")[0] == 200,
                 timeout=15, what=f"hermes-exporter ready\n{self.log_of(self.exporter)}")

    def http(self, path, method="GET"):
        """(status, body) of a request to the exporter, from the client namespace."""
        return netns.http(self.net.client_ns, f"http://{EXPORTER}{path}", method)

    def metrics(self):
        return parse_metrics(self.http("/metrics")[1])

    def run_probe(self, probe):
        """Triggers one run of `probe` and returns (metrics after it, {link: (tx, rx)}
        bytes during it)."""
        runs = lambda: metric(self.metrics(), "hermes_probe_runs_total", probe=probe) or 0
        before_runs, before = runs(), self.net.link_bytes()
        status, body = self.http(f"/-/trigger?probe={probe}", method="POST")
        self.assertEqual(status, 202, body)
        wait_for(lambda: runs() > before_runs, timeout=30, interval=0.2, what=f"{probe} run")
        after = self.net.link_bytes()
        return self.metrics(), {d: (after[d][0] - before[d][0], after[d][1] - before[d][1])
                                for d in after}

    def test_each_kind_leaves_by_the_link_it_names(self):
        failures = []
        for pname in PATHS:
            link, other = ("wan1", "wan2") if pname == "default" else ("wan2", "wan1")
            for kind in kinds():
                probe = f"{kind}_{pname}"
                m, moved = self.run_probe(probe)
                ok = metric(m, "hermes_probe_success", probe=probe) == 1
                payload = [metric(m, "hermes_transferred_bytes_total", probe=probe,
                                  direction=d) or 0 for d in ("upload", "download")]
                # What the probe wrote and read crossed the named link, and only it.
                (tx, rx), (otx, orx) = moved[link], moved[other]
                good = (ok and tx > 0 and rx > 0 and tx >= payload[0] and rx >= payload[1]
                        and otx <= NOISE and orx <= NOISE)
                ROWS.append((probe, f"{link} tx {tx} rx {rx} B", f"{other} tx {otx} rx {orx} B",
                             f"payload {payload[0]:.0f} up, {payload[1]:.0f} down",
                             "ok" if good else "FAIL"))
                if not good:
                    failures.append(f"{probe}: success={ok} links={moved} payload={payload}: "
                                    + self.http("/-/status")[1][-600:])
        self.assertFalse(failures)
        self.assertTrue(self.dns.clients)
        self.assertTrue(set(self.dns.clients) <= {"10.78.1.1", netns.TwoLinks.WAN2_V4},
                        self.dns.clients)

    def test_config_check_names_an_address_or_interface_this_host_lacks(self):
        for key, value, want in (
                ("source_ip_address", "192.0.2.77",
                 "source_ip_address: cannot bind 192.0.2.77: Cannot assign requested address; "
                 "it is not an address of this host"),
                ("interface", "wan9",
                 "interface: wan9 is not a network interface of this host")):
            path = self.write("check.yml", "probes:\n  - {name: gw, kind: tcp, address: "
                              f"'{V4}:{TARGET_PORT}', {key}: {value}}}\n")
            p = subprocess.run(self.net.cmd(self.net.client_ns, [
                binary("hermes-exporter"), "--config.check", "--config.file", path]),
                capture_output=True, text=True, timeout=30)
            ROWS.append((f"--config.check {key}: {value}", f"exit {p.returncode}",
                         p.stderr.strip()[-90:], "", "ok" if p.returncode == 1 else "FAIL"))
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn(f"{path}: probes[name=gw]: {want}", p.stderr)
        ok = self.write("ok.yml", "probes:\n  - {name: gw, kind: tcp, address: "
                        f"'{V4}:{TARGET_PORT}', interface: wan2, "
                        f"source_ip_address: {netns.TwoLinks.WAN2_V4}}}\n")
        p = subprocess.run(self.net.cmd(self.net.client_ns, [
            binary("hermes-exporter"), "--config.check", "--config.file", ok]),
            capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_family_follows_preference_and_fallback(self):
        failures = []
        for name, (_, link, reason) in FAMILY_PROBES.items():
            m, moved = self.run_probe(name)
            tx = {d: t for d, (t, _) in moved.items()}
            ok = metric(m, "hermes_probe_success", probe=name) == 1
            if link:
                other = "wan1" if link == "wan2" else "wan2"
                good = ok and tx[link] > 0 and tx[other] <= NOISE
                got = (f"ok via {link} (tx {tx[link]} B; {other} tx {tx[other]} B)" if ok
                       else "failed")
            else:
                failed = metric(m, "hermes_probe_failures_total", probe=name, reason=reason)
                good = not ok and failed == 1
                got = f"failed, reason {reason} count {failed}"
            ROWS.append((name, "want " + (f"via {link}" if link else f"`{reason}`"), got,
                         "", "ok" if good else "FAIL"))
            if not good:
                failures.append(f"{name}: tx={tx}: " + self.http("/-/status")[1][-600:])
        self.assertFalse(failures)


if __name__ == "__main__":
    netns.exit_on_sigterm(ACTIVE, PathTest)
    unittest.main(verbosity=2)
