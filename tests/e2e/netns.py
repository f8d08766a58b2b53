"""A shaped network path between two private network namespaces, for e2e tests.

    client ns                 router ns                        server ns
    10.77.0.2/30 <--veth--> 10.77.0.1 | 10.77.0.5 <--veth--> 10.77.0.6/30
                            tbf "download"   tbf "upload"
                            (egress to client) (egress to server)

The bottleneck is a forwarding router, as on a real path: a tbf on the sender's
own interface is subject to TCP Small Queues (about 1 ms of data per socket may
wait in local qdiscs), so it would not fill a deep queue the way a router's does.
Nothing is added to the root namespace; all addresses live in our namespaces only,
so several Paths (even from concurrent tests) never collide. The client and server
namespaces use Reno: a new namespace inherits the root's default congestion control
(BBR on some hosts, which keeps queues short by design and so hides bufferbloat),
and a non-root namespace may only pick one of net.ipv4.tcp_allowed_congestion_control,
which always includes reno. Like CUBIC, Reno is loss-based and fills a queue.

API (Python stdlib only, needs root):
    reason = unavailable()          # None, or why namespaces cannot be used (skip)
    with Path("acc") as p:          # namespaces hermes-acc-<pid>-{c,r,s}
        p.cmd(p.server_ns, [...])   # argv that runs a program inside a namespace
        p.shape("download", rate_bit=50e6, burst_bytes=32768, queue_seconds=0.02)
        p.shape("upload", 20e6, queue_seconds=0.005, packet_queue=True)  # a pfifo of N packets
        p.unshape("upload")
        p.qdisc_stats("download")   # {"sent_bytes", "sent_packets", "dropped", ...}
        p.sent_bytes()              # {"download": n, "upload": n}, cheap enough to poll
        with entered(p.client_ns):  # sockets made here live in the client ns
            urllib.request.urlopen(...)
    status, body = http(p.client_ns, url, method="POST")  # a request from a namespace
Path.close() (also on __exit__ and at interpreter exit) deletes the namespaces;
Path() first deletes leftovers of the same tag whose creating process is gone,
killing the programs still running inside them.
"""
import atexit
import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import urllib.error
import urllib.request

CLIENT_IP = "10.77.0.2"
ROUTER_CLIENT_IP = "10.77.0.1"
ROUTER_SERVER_IP = "10.77.0.5"
SERVER_IP = "10.77.0.6"
_CLONE_NEWNET = 0x40000000
_NETNS_DIR = "/run/netns"
_TIMEOUT = 20  # seconds for any single ip/tc command


def _run(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def unavailable():
    """None when namespaces, veth and tbf can be used; otherwise the reason."""
    if os.geteuid() != 0:
        return "needs root (creates network namespaces, veth pairs and tbf qdiscs)"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"'{tool}' (iproute2) is not installed"
    name = f"hermes-probe-{os.getpid()}"
    try:
        _run(["ip", "netns", "add", name])
        try:
            _run(["ip", "-n", name, "link", "add", "p0", "type", "veth", "peer", "name", "p1"])
            _run(["tc", "-n", name, "qdisc", "add", "dev", "p0", "root", "tbf", "rate", "1mbit",
                  "burst", "32kb", "limit", "64kb"])
        finally:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=_TIMEOUT)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return f"network namespaces/veth/tbf unusable here: {e}"
    return None


@contextlib.contextmanager
def entered(ns):
    """Runs the block with the calling thread in namespace `ns` (sockets created
    inside keep that namespace), then returns the thread to where it was."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open(f"/proc/thread-self/ns/net") as home, open(f"{_NETNS_DIR}/{ns}") as target:
        if libc.setns(target.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns({ns})")
        try:
            yield
        finally:
            if libc.setns(home.fileno(), _CLONE_NEWNET) != 0:
                # A thread stuck in a test namespace would send later traffic astray.
                os.abort()


def http(ns, url, method="GET", timeout=10):
    """(status, body) of a request made from inside namespace `ns` (no proxies);
    (0, why) when no answer came."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with entered(ns):
        try:
            with opener.open(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError as e:
            return 0, str(e)


class _Namespaces:
    """Namespaces hermes-<tag>-<pid>-<x>, made by a subclass's _build() with _add();
    leftovers of dead test processes with the same tag are swept first, and close()
    (also on __exit__ and at interpreter exit) deletes them."""

    def __init__(self, tag):
        if not re.fullmatch(r"[a-z0-9]{1,8}", tag):
            raise ValueError("tag must be 1-8 of [a-z0-9]")
        self.tag = tag
        self._created = []
        _sweep(tag)
        atexit.register(self.close)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _build(self):
        raise NotImplementedError

    def _add(self, ns):
        _run(["ip", "netns", "add", ns])
        self._created.append(ns)
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def cmd(self, ns, argv):
        """argv that runs `argv` inside namespace `ns` (exec'd: same pid)."""
        return ["ip", "netns", "exec", ns, *argv]

    def close(self):
        """Deletes the namespaces (their veths go with them). Idempotent. Processes
        still running inside should be stopped first."""
        while self._created:
            ns = self._created.pop()
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=_TIMEOUT)


def exit_on_sigterm(active, topology_owner):
    """Installs a SIGTERM handler (ctest's timeout; unittest would record an error
    and go on with the next test) that kills the running test's processes
    (active["test"].procs) and the process group active["group"] if set, closes
    topology_owner.net, and exits 143."""
    def handler(*_):
        if "group" in active:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(active["group"], signal.SIGKILL)
        for p in getattr(active.get("test"), "procs", []):
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        if getattr(topology_owner, "net", None) is not None:
            topology_owner.net.close()
        os._exit(143)
    signal.signal(signal.SIGTERM, handler)


class Path(_Namespaces):
    """client ns -- router ns -- server ns, unshaped until shape() is called."""

    def __init__(self, tag):
        prefix = f"hermes-{tag}-{os.getpid()}"
        self.client_ns, self.router_ns, self.server_ns = (f"{prefix}-{x}" for x in "crs")
        self.client_ip, self.server_ip = CLIENT_IP, SERVER_IP
        super().__init__(tag)

    def _build(self):
        c, r, s = self.client_ns, self.router_ns, self.server_ns
        for ns in (c, r, s):
            self._add(ns)
        # Each veth is created inside the router namespace, then one end moved out,
        # so no interface ever appears in the root namespace.
        _run(["ip", "-n", r, "link", "add", "to-client", "type", "veth", "peer", "name", "up0"])
        _run(["ip", "-n", r, "link", "set", "up0", "netns", c])
        _run(["ip", "-n", r, "link", "add", "to-server", "type", "veth", "peer", "name", "up0"])
        _run(["ip", "-n", r, "link", "set", "up0", "netns", s])
        for ns, dev, addr in ((r, "to-client", f"{ROUTER_CLIENT_IP}/30"),
                              (r, "to-server", f"{ROUTER_SERVER_IP}/30"),
                              (c, "up0", f"{CLIENT_IP}/30"), (s, "up0", f"{SERVER_IP}/30")):
            _run(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
            _run(["ip", "-n", ns, "link", "set", dev, "up"])
        _run(["ip", "-n", c, "route", "add", "default", "via", ROUTER_CLIENT_IP])
        _run(["ip", "-n", s, "route", "add", "default", "via", ROUTER_SERVER_IP])
        _run(self.cmd(r, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]))
        for ns in (c, s):
            _run(self.cmd(ns, ["sysctl", "-qw", "net.ipv4.tcp_congestion_control=reno"]))

    def _dev(self, direction):
        if direction == "download":
            return "to-client"
        if direction == "upload":
            return "to-server"
        raise ValueError(f"direction must be download or upload, got {direction!r}")

    def shape(self, direction, rate_bit, burst_bytes=32 * 1024, queue_seconds=0.02,
              packet_queue=False):
        """tbf on the router's egress toward the client (download) or the server
        (upload): `rate_bit` bit/s counting Ethernet frames without FCS (1514 bytes
        for a full 1500-MTU segment), bucket `burst_bytes`, and a queue of
        burst + rate * queue_seconds bytes, so a full queue delays a packet by
        about queue_seconds. Returns the queue limit in bytes.
        packet_queue: the queue is a pfifo of (rate * queue_seconds) / 1514 packets
        instead, as in routers that count packets: a byte-counted queue that bulk
        TCP keeps full still has room for small packets, a packet-counted one drops
        them like any other (stats then come from the tbf and its pfifo child). The
        bucket is then one frame (burst_bytes is ignored), so that tbf splits GSO
        packets and the pfifo holds frames, not 64 KB aggregates."""
        if packet_queue:
            burst_bytes = 1514
        limit = int(burst_bytes + rate_bit / 8 * queue_seconds)
        dev = self._dev(direction)
        self.unshape(direction)  # a fresh tbf: "replace" would keep (and resize) a pfifo child
        _run(["tc", "-n", self.router_ns, "qdisc", "add", "dev", dev, "root", "handle", "1:",
              "tbf", "rate", f"{int(rate_bit)}bit", "burst", str(int(burst_bytes)),
              "limit", str(limit)])
        if packet_queue:
            packets = max(2, int(rate_bit / 8 * queue_seconds / 1514))
            _run(["tc", "-n", self.router_ns, "qdisc", "add", "dev", dev, "parent", "1:1",
                  "handle", "10:", "pfifo", "limit", str(packets)])
            return packets * 1514
        return limit

    def unshape(self, direction):
        subprocess.run(["tc", "-n", self.router_ns, "qdisc", "del", "dev", self._dev(direction),
                        "root"], capture_output=True, timeout=_TIMEOUT)

    def qdisc_stats(self, direction):
        """Counters of the root qdisc on a direction's router egress. sent_bytes
        counts every segment of a GSO packet with its headers (1514 bytes for a
        full frame), unlike the device counters in /proc/net/dev."""
        out = _run(["tc", "-s", "-n", self.router_ns, "qdisc", "show", "dev",
                    self._dev(direction)])
        m = re.search(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)", out)
        if not m:
            return {}
        return dict(zip(("sent_bytes", "sent_packets", "dropped", "overlimits"),
                        map(int, m.groups())))

    def sent_bytes(self):
        """{"download": n, "upload": n}: bytes the root qdiscs have sent (as
        qdisc_stats' sent_bytes), read over rtnetlink in well under a millisecond,
        so that it can be sampled often and timed precisely."""
        if not hasattr(self, "_ifindex"):
            self._ifindex = {}
            for line in _run(["ip", "-n", self.router_ns, "-o", "link"]).splitlines():
                idx, name = line.split(":")[:2]
                self._ifindex[int(idx)] = name.strip().split("@")[0]
        names = {"to-client": "download", "to-server": "upload"}
        return {names[self._ifindex[i]]: n for i, n in _root_qdisc_bytes(self.router_ns).items()
                if self._ifindex.get(i) in names}

class TwoLinks(_Namespaces):
    """A client namespace with two uplinks to one server namespace, for tests of the
    path a probe takes (multi-WAN, dual stack):

        client ns                                  server ns
        wan1 10.78.1.1/30 fd78:1::1/64 <--veth--> 10.78.1.2 fd78:1::2
        wan2 10.78.2.1/30 fd78:2::1/64 <--veth--> 10.78.2.2 fd78:2::2
                                                  lo 10.78.9.1 (SERVICE_V4)
                                                     fd78:9::1 (SERVICE_V6)

    Client routes: SERVICE_V4 via wan1 (metric 10) and via wan2 (metric 20), so the
    routing table picks wan1 unless a socket is bound to wan2; a policy rule sends
    traffic from wan2's address (10.78.2.1) by wan2, as a multi-WAN router's rules
    do; SERVICE_V6 only via wan2, so IPv4 to the service crosses wan1 and IPv6
    crosses wan2 by default. `hosts` (name -> [ip]) becomes the client namespace's
    /etc/hosts for programs started with cmd() (ip netns exec bind-mounts
    /etc/netns/<ns>/hosts), so names can resolve to one family or both.

    API: cmd(ns, argv), link_bytes() -> {"wan1": (tx, rx), "wan2": (tx, rx)}
    (client-side device counters), close(). Namespaces hermes-<tag>-<pid>-{c,s}."""

    SERVICE_V4, SERVICE_V6 = "10.78.9.1", "fd78:9::1"
    WAN2_V4 = "10.78.2.1"

    def __init__(self, tag, hosts=None):
        prefix = f"hermes-{tag}-{os.getpid()}"
        self.client_ns, self.server_ns = f"{prefix}-c", f"{prefix}-s"
        self.hosts = hosts or {}
        super().__init__(tag)

    def _build(self):
        c, s = self.client_ns, self.server_ns
        os.makedirs(f"/etc/netns/{c}", exist_ok=True)
        with open(f"/etc/netns/{c}/hosts", "w") as f:
            f.write("127.0.0.1 localhost\n::1 localhost\n")
            for name, ips in self.hosts.items():
                f.writelines(f"{ip} {name}\n" for ip in ips)
        for ns in (c, s):
            self._add(ns)
        for i in (1, 2):
            _run(["ip", "-n", c, "link", "add", f"wan{i}", "type", "veth", "peer", "name", f"up{i}"])
            _run(["ip", "-n", c, "link", "set", f"up{i}", "netns", s])
            for ns, dev, host in ((c, f"wan{i}", 1), (s, f"up{i}", 2)):
                _run(["ip", "-n", ns, "addr", "add", f"10.78.{i}.{host}/30", "dev", dev])
                _run(["ip", "-n", ns, "-6", "addr", "add", f"fd78:{i}::{host}/64", "dev", dev,
                      "nodad"])
                _run(["ip", "-n", ns, "link", "set", dev, "up"])
        _run(["ip", "-n", s, "addr", "add", f"{self.SERVICE_V4}/32", "dev", "lo"])
        _run(["ip", "-n", s, "-6", "addr", "add", f"{self.SERVICE_V6}/128", "dev", "lo"])
        _run(["ip", "-n", c, "route", "add", self.SERVICE_V4, "via", "10.78.1.2", "dev", "wan1",
              "metric", "10"])
        _run(["ip", "-n", c, "route", "add", self.SERVICE_V4, "via", "10.78.2.2", "dev", "wan2",
              "metric", "20"])
        _run(["ip", "-n", c, "route", "add", self.SERVICE_V4, "via", "10.78.2.2", "dev", "wan2",
              "table", "102"])
        _run(["ip", "-n", c, "rule", "add", "from", self.WAN2_V4, "lookup", "102"])
        _run(["ip", "-n", c, "-6", "route", "add", self.SERVICE_V6, "via", "fd78:2::2", "dev",
              "wan2"])

    def link_bytes(self):
        """{"wan1": (tx, rx), "wan2": (tx, rx)}: bytes the client namespace's uplinks
        have sent and received (device counters, Ethernet frames)."""
        links = json.loads(_run(["ip", "-n", self.client_ns, "-s", "-j", "link", "show"]))
        return {link["ifname"]: (link["stats64"]["tx"]["bytes"], link["stats64"]["rx"]["bytes"])
                for link in links if link["ifname"] in ("wan1", "wan2")}

    def close(self):
        """Deletes the namespaces and the hosts file. Idempotent."""
        super().close()
        shutil.rmtree(f"/etc/netns/{self.client_ns}", ignore_errors=True)


def _root_qdisc_bytes(ns):
    """{ifindex: sent bytes} of every root qdisc in namespace ns (RTM_GETQDISC dump)."""
    with entered(ns):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
    out = {}
    with sock:
        sock.settimeout(5)
        tcmsg = struct.pack("=BxxxiIII", socket.AF_UNSPEC, 0, 0, 0, 0)
        # RTM_GETQDISC (38), NLM_F_REQUEST | NLM_F_DUMP
        sock.send(struct.pack("=IHHII", 16 + len(tcmsg), 38, 0x301, 1, 0) + tcmsg)
        for _ in range(1000):  # a dump of a few qdiscs takes one or two reads
            data = sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, kind = struct.unpack_from("=IH", data, off)
                if kind == 3:  # NLMSG_DONE
                    return out
                if kind == 2:  # NLMSG_ERROR
                    raise OSError(f"RTM_GETQDISC in {ns} failed")
                if kind == 36:  # RTM_NEWQDISC
                    _, ifindex, _, parent, _ = struct.unpack_from("=BxxxiIII", data, off + 16)
                    if parent == 0xFFFFFFFF:  # TC_H_ROOT
                        sent = _stats_bytes(data, off + 36, off + length)
                        if sent is not None:
                            out[ifindex] = sent
                off += (length + 3) & ~3
    raise OSError(f"RTM_GETQDISC in {ns}: no end of dump")


def _stats_bytes(data, off, end):
    """bytes of TCA_STATS2/TCA_STATS_BASIC (or legacy TCA_STATS) in attributes [off, end)."""
    legacy = None
    while off + 4 <= end:
        rta_len, rta_type = struct.unpack_from("=HH", data, off)
        if rta_len < 4:
            break
        if rta_type == 7:  # TCA_STATS2, nested
            inner, inner_end = off + 4, off + rta_len
            while inner + 4 <= inner_end:
                n, t = struct.unpack_from("=HH", data, inner)
                if n < 4:
                    break
                if t == 1:  # TCA_STATS_BASIC: struct gnet_stats_basic {u64 bytes; u32 packets}
                    return struct.unpack_from("=Q", data, inner + 4)[0]
                inner += (n + 3) & ~3
        if rta_type == 3:  # TCA_STATS: struct tc_stats {u64 bytes; ...}
            legacy = struct.unpack_from("=Q", data, off + 4)[0]
        off += (rta_len + 3) & ~3
    return legacy


def _sweep(tag):
    """Deletes hermes-<tag>-<pid>-* namespaces (and kills what still runs in them)
    left by a test process that no longer runs, e.g. one killed by SIGKILL."""
    try:
        names = os.listdir(_NETNS_DIR)
    except FileNotFoundError:
        return
    for name in names:
        m = re.fullmatch(rf"hermes-{re.escape(tag)}-(\d+)-[crs]", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)
            # Programs the dead test started inside would keep the namespace alive.
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True,
                                  text=True, timeout=_TIMEOUT).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=_TIMEOUT)
