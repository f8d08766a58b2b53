"""TLS audit of hermes-exporter: testssl.sh scan, mTLS, certificate rotation.

testssl.sh (3.0.x) scans a TLS listener on 127.0.0.1 with protocols (-p), standard cipher
categories (-s), forward secrecy (-f), server preference (-P), server defaults and
certificate (-S), HTTP headers (-h), vulnerabilities (-U) and every cipher per protocol
(-E); the flat JSON findings are checked: TLS 1.2 and 1.3 only, AEAD ECDHE suites only,
and no finding of severity MEDIUM or above except the allow-list below, which covers
properties of the throw-away test PKI, not of the server.
"""
import hashlib
import json
import os
import ssl
import subprocess
import time
import unittest

from dos_tools import connect, ensure_tool, https_connection, request
from harness import Harness, run, tcp_probe_config

CONFIG = tcp_probe_config()

# Findings of severity >= MEDIUM that are accepted, by testssl finding id, each with the
# reason. Anything else at MEDIUM/HIGH/CRITICAL fails the test.
ALLOWED = {
    # The test CA is created a second ago and its leaf carries no CRL distribution point
    # or OCSP URL (a private CA, as cert-manager issues; revocation there is by short
    # lifetime and rotation). testssl 3.0 rates "Neither CRL nor OCSP URI provided" HIGH.
    "cert_revocation": "test PKI has no CRL/OCSP URI (private CA, short-lived certs)",
}

SEVERE = {"MEDIUM", "HIGH", "CRITICAL"}

# The response headers README "Security" recommends (testssl rates their absence MEDIUM).
RECOMMENDED_HEADERS = ("http_server_config:\n  headers:\n"
                       "    Strict-Transport-Security: max-age=31536000\n"
                       "    X-Content-Type-Options: nosniff\n"
                       "    X-Frame-Options: deny\n")


def ossl(*args):
    run(["openssl", *args])


def make_ca(d, name):
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "200", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.crt",
         "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def make_leaf(d, ca, name, usage, san="DNS:localhost,IP:127.0.0.1", serial=None):
    with open(f"{d}/{name}.ext", "w") as f:
        f.write(f"subjectAltName={san}\nextendedKeyUsage={usage}\n"
                "keyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n")
    ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", f"/CN={name}")
    args = ["x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{ca}.crt", "-CAkey",
            f"{d}/{ca}.key", "-days", "200", "-extfile", f"{d}/{name}.ext",
            "-out", f"{d}/{name}.crt"]
    args += ["-set_serial", str(serial)] if serial is not None else ["-CAcreateserial"]
    ossl(*args)


def der_sha256(der):
    return hashlib.sha256(der).hexdigest()


def file_cert_sha256(path):
    with open(path) as f:
        return der_sha256(ssl.PEM_cert_to_DER_cert(f.read()))


class TlsAuditTest(Harness):
    def setUp(self):
        super().setUp()
        make_ca(self.dir, "ca")
        make_leaf(self.dir, "ca", "server", "serverAuth")
        self.token = "tls-audit-token-0123456789"
        self.write("token", self.token + "\n")
        self.ctx = ssl.create_default_context(cafile=self.path("ca.crt"))
        self.ssl_ctx = self.ctx

    def start_tls_exporter(self, web_extra="", extra=()):
        self.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n"
                   "  key_file: server.key\n" + web_extra +
                   RECOMMENDED_HEADERS)
        return self.start_exporter(CONFIG, extra=extra)

    # --- testssl ------------------------------------------------------------------
    def test_testssl_scan(self):
        exe = ensure_tool("testssl")
        self.start_tls_exporter()
        out = self.path("testssl.json")
        cmd = [exe, "--jsonfile", out, "--quiet", "--warnings", "batch", "--color", "0",
               "--ip", "one", "--add-ca", self.path("ca.crt"), "--connect-timeout", "10",
               "--openssl-timeout", "10", "-p", "-s", "-f", "-P", "-S", "-h", "-U", "-E",
               f"127.0.0.1:{self.port}"]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=self.dir)
        took = time.monotonic() - t0
        self.assertTrue(os.path.exists(out), f"testssl wrote no JSON (rc {p.returncode}):\n"
                        f"{p.stdout[-3000:]}\n{p.stderr[-2000:]}")
        with open(out) as f:
            findings = json.load(f)
        by_id = {}
        for x in findings:
            by_id.setdefault(x["id"], []).append(x)

        def finding(i):
            self.assertIn(i, by_id, f"testssl gave no finding {i}")
            return by_id[i][0]["finding"]

        # Protocols.
        for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
            self.assertIn("not offered", finding(proto), proto)
        self.assertTrue(finding("TLS1_2").startswith("offered"), finding("TLS1_2"))
        self.assertTrue(finding("TLS1_3").startswith("offered"), finding("TLS1_3"))
        # Ciphers: every offered one (-E lists them per protocol) is AEAD with ECDHE
        # (TLS 1.2) or a TLS 1.3 suite; no CBC, no static RSA key exchange.
        ciphers = [x for x in findings if x["id"].startswith("cipher-tls") or
                   x["id"].startswith("cipher_x")]
        self.assertTrue(ciphers, "no per-cipher findings (-E)")
        for x in ciphers:
            f = x["finding"]
            if x["id"].startswith("cipher-"):
                self.assertTrue(x["id"].startswith(("cipher-tls1_2", "cipher-tls1_3")), x)
            self.assertNotIn("CBC", f, f)
            self.assertNotIn("SHA ", f + " ", f)  # non-AEAD suites end in SHA/SHA256/SHA384 MACs
            if "TLS1_3" not in x["id"].upper() and "TLS_AES" not in f and "TLS_CHACHA" not in f:
                self.assertRegex(f, r"ECDHE", f"non-ECDHE suite offered: {f}")
                self.assertRegex(f, r"GCM|CHACHA20|POLY1305", f"non-AEAD suite offered: {f}")
        for cat in ("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW",
                    "cipherlist_3DES_IDEA", "cipherlist_AVERAGE", "cipherlist_OBSOLETED"):
            if cat in by_id:
                self.assertIn("not offered", finding(cat), cat)
        fs = by_id.get("FS") or by_id.get("PFS")
        self.assertTrue(fs, "no forward secrecy finding")
        self.assertIn("offered", fs[0]["finding"])
        self.assertNotIn("not offered", fs[0]["finding"])
        # Severity: nothing MEDIUM or above outside the allow-list.
        severe = [x for x in findings if x.get("severity") in SEVERE and x["id"] not in ALLOWED]
        allowed = [x for x in findings if x.get("severity") in SEVERE and x["id"] in ALLOWED]
        minor = [x for x in findings if x.get("severity") == "LOW"]
        print(f"\ntestssl: {len(findings)} findings in {took:.0f}s")
        for x in allowed:
            print(f"  ALLOWED {x['severity']:8} {x['id']}: {x['finding']} -- {ALLOWED[x['id']]}")
        for x in minor:
            print(f"  LOW      {x['id']}: {x['finding']}")
        for x in severe:
            print(f"  FAIL {x['severity']:8} {x['id']}: {x['finding']}")
        self.assertFalse(severe, "testssl findings of severity >= MEDIUM: " +
                         "; ".join(f"{x['id']}={x['finding']}" for x in severe))

    # --- mTLS ---------------------------------------------------------------------
    def test_mtls_requires_a_client_cert_from_the_configured_ca(self):
        make_ca(self.dir, "clientca")
        make_ca(self.dir, "otherca")
        make_leaf(self.dir, "clientca", "client", "clientAuth", san="DNS:prometheus")
        make_leaf(self.dir, "otherca", "intruder", "clientAuth", san="DNS:prometheus")

        def ctx_with(name):
            c = ssl.create_default_context(cafile=self.path("ca.crt"))
            if name:
                c.load_cert_chain(self.path(f"{name}.crt"), self.path(f"{name}.key"))
            return c

        self.ssl_ctx = ctx_with("client")  # the harness' readiness check needs one
        self.start_tls_exporter(web_extra="  client_auth_type: RequireAndVerifyClientCert\n"
                                "  client_ca_file: clientca.crt\n")

        def attempt(name):
            try:
                return request(self.port, ctx_with(name), token=self.token)[0]
            except (ssl.SSLError, ConnectionError, OSError) as e:
                return type(e).__name__

        # Rejected during the handshake (TLS 1.3 reports it on the first read).
        self.assertNotEqual(attempt(None), 200)
        self.assertNotIsInstance(attempt(None), int)
        self.assertNotIsInstance(attempt("intruder"), int)
        self.assertEqual(attempt("client"), 200)
        # TLS 1.2 too: the rejection happens in the handshake itself.
        c12 = ctx_with(None)
        c12.maximum_version = ssl.TLSVersion.TLSv1_2
        with self.assertRaises((ssl.SSLError, ConnectionError)):
            connect(self.port, ctx=c12).close()

    # --- rotation -----------------------------------------------------------------
    def test_certificate_rotation_keeps_connections_and_serves_new_cert(self):
        self.start_tls_exporter()
        old_fp = file_cert_sha256(self.path("server.crt"))
        conn = https_connection(self.port, self.ctx)
        conn.connect()
        sock = conn.sock
        self.assertEqual(der_sha256(sock.getpeercert(binary_form=True)), old_fp)

        def scrape():
            conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {self.token}"})
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
            self.assertIs(conn.sock, sock, "keep-alive connection was replaced")

        scrape()
        # New key and certificate from the same CA with another serial, written the way
        # cert-manager/kubelet do it: new files renamed over the old ones.
        os.makedirs(self.path("new"))
        make_ca_files = self.path("new")
        for f in ("ca.crt", "ca.key"):
            os.link(self.path(f), os.path.join(make_ca_files, f))
        make_leaf(make_ca_files, "ca", "server", "serverAuth")  # random serial
        new_fp = file_cert_sha256(os.path.join(make_ca_files, "server.crt"))
        self.assertNotEqual(new_fp, old_fp)
        os.replace(os.path.join(make_ca_files, "server.key"), self.path("server.key"))
        scrape()
        os.replace(os.path.join(make_ca_files, "server.crt"), self.path("server.crt"))
        t_rot = time.monotonic()

        def fresh_fp():
            s = connect(self.port, ctx=self.ctx)
            try:
                return der_sha256(s.getpeercert(binary_form=True))
            finally:
                s.close()

        while time.monotonic() - t_rot < 10:
            scrape()  # the established connection keeps working throughout
            if fresh_fp() == new_fp:
                break
            time.sleep(0.2)
        took = time.monotonic() - t_rot
        self.assertEqual(fresh_fp(), new_fp, "new connections still get the old certificate")
        self.assertLess(took, 5.0, "certificate reload took too long")
        for _ in range(3):
            scrape()
        self.assertEqual(der_sha256(sock.getpeercert(binary_form=True)), old_fp)
        conn.close()
        print(f"\nrotation: new certificate served {took:.1f}s after the rename; "
              "established connection kept")


if __name__ == "__main__":
    unittest.main()
