"""exporter-toolkit web config compatibility, judged by node_exporter itself.

Every web config goes to node_exporter (Debian's prometheus-node-exporter,
--web.config.file) and to hermes-exporter (start and --config.check). hermes must start
with every config node_exporter starts with and refuse every config it refuses, except
for the documented differences in INTENDED (README "Web configuration").

Configs: our own cases (CASES, always run; they cover the same ground as exporter-toolkit's
web/testdata), written at test time around the generated PKI; and, when the environment
variable EXPORTER_TOOLKIT_DIR names a checkout of prometheus/exporter-toolkit, every
web/testdata/*.yml / *.yaml read in place (never copied).

Version skew: the node_exporter under test may predate current exporter-toolkit fields
(Debian 12 ships 1.5.0: no rate_limit, no inline cert/key/client_ca). When node_exporter
refuses a config only because it does not know such a field, current exporter-toolkit
accepts it, and so must hermes.
"""
import concurrent.futures
import contextlib
import glob
import os
import re
import secrets
import socket
import ssl
import subprocess
import threading
import time
import unittest

from harness import Harness, binary, make_pki, run, tcp_probe_config

NEWER_FIELDS = ("rate_limit", "cert", "key", "client_ca", "client_allowed_sans")
BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def fake_bcrypt(cost):
    """A well-formed bcrypt hash of some unknown password at `cost` (nobody computes it)."""
    return f"$2y${cost:02d}$" + "".join(secrets.choice(BCRYPT_ALPHABET) for _ in range(53))


def indent(pem):
    return "".join("    " + line + "\n" for line in pem.strip().splitlines())


# name -> (yaml, expected: "start" or "refuse"). {cert}/{key}/{ca} are inline PEM blocks.
CASES = {
    "empty": ("", "start"),
    "require-and-verify-with-ca": ("tls_server_config:\n  cert_file: server.crt\n"
                                   "  key_file: server.key\n"
                                   "  client_auth_type: RequireAndVerifyClientCert\n"
                                   "  client_ca_file: ca.crt\n", "start"),
    "require-and-verify-without-ca": ("tls_server_config:\n  cert_file: server.crt\n"
                                      "  key_file: server.key\n"
                                      "  client_auth_type: RequireAndVerifyClientCert\n", "start"),
    "verify-if-given-without-ca": ("tls_server_config:\n  cert_file: server.crt\n"
                                   "  key_file: server.key\n"
                                   "  client_auth_type: VerifyClientCertIfGiven\n", "start"),
    "require-any": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                    "  client_auth_type: RequireAnyClientCert\n", "start"),
    "cert-file-inline-key": ("tls_server_config:\n  cert_file: server.crt\n  key: |\n{key}"
                             "  client_auth_type: RequireAnyClientCert\n", "start"),
    "inline-cert-and-key": ("tls_server_config:\n  cert: |\n{cert}  key: |\n{key}"
                            "  client_auth_type: VerifyClientCertIfGiven\n", "start"),
    "inline-client-ca": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                         "  client_auth_type: RequireAndVerifyClientCert\n  client_ca: |\n{ca}",
                         "start"),
    "client-ca-missing-file": ("tls_server_config:\n  cert_file: server.crt\n"
                               "  key_file: server.key\n  client_ca_file: nothere.crt\n", "refuse"),
    "client-ca-file-unreadable": ("tls_server_config:\n  cert_file: server.crt\n"
                                  "  key_file: server.key\n"
                                  "  client_auth_type: RequireAndVerifyClientCert\n"
                                  "  client_ca_file: nothere.crt\n", "refuse"),
    "client-ca-without-auth-type": ("tls_server_config:\n  cert_file: server.crt\n"
                                    "  key_file: server.key\n  client_ca_file: ca.crt\n", "refuse"),
    "client-sans": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                    "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
                    "  client_allowed_sans: [a, scraper.example]\n", "start"),
    "plain-password": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                       "basic_auth_users:\n  john: doe\n", "refuse"),
    "users-cost-18-and-31": ("tls_server_config:\n  cert_file: server.crt\n"
                             "  key_file: server.key\nbasic_auth_users:\n"
                             f"  a: {fake_bcrypt(18)}\n  b: {fake_bcrypt(31)}\n"
                             f"  c: {fake_bcrypt(10)}\n", "start"),
    "users-without-tls": (f"basic_auth_users:\n  a: {fake_bcrypt(18)}\n", "start"),
    "headers": ("http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                "    Strict-Transport-Security: max-age=31536000\n"
                "    X-Content-Type-Options: nosniff\n    X-XSS-Protection: 1\n"
                "    Content-Security-Policy: \"default-src 'self'\"\n", "start"),
    "header-sniff": ("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n",
                     "refuse"),
    "header-not-allowed": ("http_server_config:\n  headers:\n    Content-Type: x\n", "refuse"),
    "header-frame-options": ("http_server_config:\n  headers:\n    X-Frame-Options: x\n",
                             "refuse"),
    "junk": ("qwertyuiop\nasdfghjkl\nzxcvbnm\n", "refuse"),
    "junk-key": ("tls_server_config:\n  cert_filse: server.crt\n", "refuse"),
    "excluded-paths": ("basic_auth_excluded_paths: [/-/healthy]\n", "refuse"),
    "client-ca-dev-null": ("tls_server_config:\n  cert_file: server.crt\n"
                           "  key_file: server.key\n  client_ca_file: /dev/null\n", "refuse"),
    "all-ciphers-with-cbc": ("tls_server_config:\n  cert_file: server.crt\n"
                             "  key_file: server.key\n  cipher_suites:\n" + "".join(
                                 f"  - {c}\n" for c in (
                                     "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                     "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                                     "TLS_AES_128_GCM_SHA256",
                                     "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                                     "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                                     "TLS_RSA_WITH_AES_128_GCM_SHA256")), "start"),
    "insecure-cipher": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                        "  cipher_suites: [TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA]\n", "refuse"),
    "invented-cipher": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                        "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048]\n",
                        "refuse"),
    "all-curves": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                   "  curve_preferences: [CurveP256, CurveP384, CurveP521, X25519]\n", "start"),
    "invented-curve": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                       "  curve_preferences: [CurveP257]\n", "refuse"),
    "tls13-one-curve": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                        "  min_version: TLS13\n  curve_preferences: [CurveP521]\n", "start"),
    "tls10-min": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                  "  min_version: TLS10\n", "start"),
    "tls-version-invented": ("tls_server_config:\n  cert_file: server.crt\n"
                             "  key_file: server.key\n  min_version: TLS111\n", "refuse"),
    "some-ciphers-tls12": ("tls_server_config:\n  cert_file: server.crt\n"
                           "  key_file: server.key\n  cipher_suites:\n"
                           "  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
                           "  - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n"
                           "  prefer_server_cipher_suites: false\n"
                           "  min_version: TLS12\n  max_version: TLS12\n", "start"),
    "http2-cipher-missing": ("tls_server_config:\n  cert_file: server.crt\n"
                             "  key_file: server.key\n"
                             "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
                             "  max_version: TLS12\n", "refuse"),
    "http2-off": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                  "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
                  "  max_version: TLS12\nhttp_server_config:\n  http2: false\n", "start"),
    "cert-file-empty": ("tls_server_config:\n  cert_file: \"\"\n  key_file: server.key\n",
                        "refuse"),
    "cert-file-missing": ("tls_server_config:\n  cert_file: nothere.crt\n"
                          "  key_file: server.key\n", "refuse"),
    "key-file-missing": ("tls_server_config:\n  cert_file: server.crt\n"
                         "  key_file: nothere.key\n", "refuse"),
    "key-file-empty": ("tls_server_config:\n  cert_file: server.crt\n  key_file: \"\"\n",
                       "refuse"),
    "both-empty-bad-auth-type": ("tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n"
                                 "  client_auth_type: x\n", "refuse"),
    "inline-cert-empty": ("tls_server_config:\n  cert: \"\"\n  key_file: server.key\n",
                          "refuse"),
    "inline-key-empty": ("tls_server_config:\n  cert_file: server.crt\n  key: \"\"\n",
                         "refuse"),
    "key-does-not-match": ("tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n",
                           "refuse"),
    "rate-limit-off": ("rate_limit:\n  interval: 0\n  burst: 0\n", "start"),
    "rate-limit-one-second": ("rate_limit:\n  interval: \"1s\"\n  burst: 0\n", "start"),
    # Documented differences (INTENDED): hermes refuses, node_exporter starts.
    "cert-and-cert-file": ("tls_server_config:\n  cert: |\n{cert}  cert_file: server.crt\n"
                           "  key_file: server.key\n", "refuse"),
    "min-above-max": ("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                      "  min_version: TLS13\n  max_version: TLS12\n", "refuse"),
}
# Where hermes deliberately differs from node_exporter (README "Web configuration").
INTENDED = {"cert-and-cert-file": "refuse", "min-above-max": "refuse"}


def answers(port, tls):
    """True when something answers on 127.0.0.1:port: an HTTP response, a completed TLS
    handshake or a TLS alert. False on EOF or reset without any answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            if not tls:
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                return sock.recv(16) != b""
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with ctx.wrap_socket(sock) as t:
                t.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                return True
    except ssl.SSLError as e:
        return "ALERT" in str(e).upper()  # e.g. certificate required: it is serving
    except (OSError, socket.timeout):
        return False


@contextlib.contextmanager
def running(argv, cwd=None):
    """argv started with its stderr piped (text); killed on exit, and after 30 s at the
    latest, so that a process giving neither verdict fails the test instead of hanging."""
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    watchdog = threading.Timer(30, p.kill)
    watchdog.start()
    try:
        yield p
    finally:
        watchdog.cancel()
        if p.poll() is None:
            p.kill()
        p.wait()
        p.stderr.close()


def node_exporter_verdict(web_yml, cwd):
    """("start" | "refuse", output). node_exporter listens before it reads the web config
    and logs "TLS is enabled/disabled" before Go's HTTP/2 setup may still fail, so a
    config counts as started once the server answers on its port."""
    out, port = [], None
    with running(["prometheus-node-exporter", "--web.listen-address=127.0.0.1:0",
                  f"--web.config.file={web_yml}", "--collector.disable-defaults",
                  "--collector.loadavg"], cwd=cwd) as p:
        for line in p.stderr:
            out.append(line)
            m = re.search(r'msg="Listening on" address=\S+:(\d+)', line)
            if m:
                port = int(m.group(1))
            if "TLS is enabled" in line or "TLS is disabled" in line:
                if answers(port, "TLS is enabled" in line):
                    return "start", "".join(out)
                break
        p.wait(timeout=30)
        out.append(p.stderr.read())
        return ("refuse" if p.returncode != 0 else "start"), "".join(out)


def node_refuses_for_newer_field(output):
    m = re.search(r"field (\w+) not found in type", output)
    return m is not None and m.group(1) in NEWER_FIELDS


class WebConfigCompatTest(Harness):
    def setUp(self):
        super().setUp()
        make_pki(self.dir)
        self.write("hermes.yml", tcp_probe_config())
        self.write("token", "compat-token\n")
        self.check_err = {}

    def hermes_verdict(self, web_yml):
        """(start verdict, --config.check verdict, seconds to listen, output)."""
        base = [binary("hermes-exporter"), "--config.file", self.path("hermes.yml"),
                "--web.config.file", web_yml, "--web.bearer-token-file", self.path("token")]
        check = run([*base, "--config.check"], check=False, timeout=60)
        check_verdict = "start" if check.returncode == 0 else "refuse"
        self.check_err[web_yml] = check.stderr
        t0 = time.monotonic()
        out = []
        with running([*base, "--web.listen-address", "127.0.0.1:0"]) as p:
            for line in p.stderr:
                out.append(line)
                if 'msg="listening"' in line:
                    return "start", check_verdict, time.monotonic() - t0, "".join(out)
        return "refuse", check_verdict, None, check.stderr + "".join(out)

    def judge(self, name, web_yml, expected=None):
        node, node_out = node_exporter_verdict(web_yml, os.path.dirname(web_yml))
        hermes, check, listen_s, out = self.hermes_verdict(web_yml)
        skew = node == "refuse" and node_refuses_for_newer_field(node_out)
        if name in INTENDED:
            want = INTENDED[name]
        elif skew:
            want = expected  # None: this node_exporter cannot judge it (own cases do)
        else:
            want = node
        return dict(name=name, node=node, hermes=hermes, check=check, want=want, skew=skew,
                    check_err=self.check_err[web_yml],
                    expected=expected, listen_s=listen_s, out=out, node_out=node_out)

    def judge_all(self, items):
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda a: self.judge(*a), items))

    def report(self, title, results):
        print(f"\n{title}: {len(results)} configs")
        print(f"  {'config':58} node_exporter  hermes  --config.check")
        for r in sorted(results, key=lambda r: r["name"]):
            note = (" (intended difference)" if r["name"] in INTENDED else
                    " (node_exporter predates a field; " +
                    (f"expected {r['want']})" if r["want"] else "not judged)") if r["skew"]
                    else "")
            print(f"  {r['name']:58} {r['node']:13}  {r['hermes']:6}  {r['check']}{note}")
        for r in results:
            with self.subTest(config=r["name"]):
                self.assertEqual(r["check"], r["hermes"], "--config.check disagrees with start: " +
                                 r["out"][-1500:])
                if r["want"] is not None:
                    self.assertEqual(r["hermes"], r["want"],
                                     r["out"][-1500:] + r["node_out"][-800:])
                if r["expected"] is not None and not r["skew"] and r["name"] not in INTENDED:
                    self.assertEqual(r["node"], r["expected"],
                                     "node_exporter's verdict is not what this case expects: " +
                                     r["node_out"][-800:])

    def test_own_cases_like_node_exporter(self):
        pem = {}
        for k, f in (("cert", "server.crt"), ("key", "server.key"), ("ca", "ca.crt")):
            with open(self.path(f)) as fh:
                pem[k] = indent(fh.read())
        items = []
        for name, (text, expected) in CASES.items():
            path = self.write(f"web-{name}.yml", text.format(**pem) if "{" in text else text)
            items.append((name, path, expected))
        results = self.judge_all(items)
        self.report("own cases", results)
        # --config.check loads what the start loads and names the file it cannot read.
        by_name = {r["name"]: r for r in results}
        for name in ("cert-file-missing", "key-file-missing", "client-ca-file-unreadable"):
            self.assertIn("nothere.", by_name[name]["check_err"], name)
        slow = by_name["users-cost-18-and-31"]
        print(f"  time to listen with cost-18 and cost-31 users: {slow['listen_s']:.2f} s")

    def test_exporter_toolkit_testdata_like_node_exporter(self):
        root = os.environ.get("EXPORTER_TOOLKIT_DIR")
        if not root:
            self.skipTest("EXPORTER_TOOLKIT_DIR (a prometheus/exporter-toolkit checkout) not set")
        files = sorted(glob.glob(os.path.join(root, "web", "testdata", "*.y*ml")))
        self.assertTrue(files, f"no web/testdata/*.yml under {root}")
        results = self.judge_all([(os.path.basename(f), f) for f in files])
        self.report("exporter-toolkit web/testdata", results)


if __name__ == "__main__":
    unittest.main()
