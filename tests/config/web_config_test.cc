// Tests for the exporter-toolkit web config parser.
#include "config/web_config.h"

#include <gtest/gtest.h>

#include "testing/testing.h"

namespace hermes::config {
namespace {

constexpr char kHash[] = "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze";

std::string ErrorOf(const std::string& yaml) {
  auto web = ParseWebConfig(yaml, "/etc/hermes");
  return web.ok() ? "<parsed>" : web.status().message();
}

TEST(WebConfigTest, ParsesTlsBasicAuthAndRateLimitWithPathsRelativeToTheFile) {
  testing::TempDir dir;
  const std::string path = dir.File("web-config.yml");
  testing::WriteFile(path, std::string("tls_server_config:\n  cert_file: server.crt\n"
                                       "  key_file: server.key\nbasic_auth_users:\n  alice: ") +
                               kHash + "\nrate_limit:\n  interval: \"1s\"\n  burst: 20\n");
  auto web = LoadWebConfigFile(path);
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_TRUE(web->tls_enabled);
  EXPECT_EQ(web->tls.cert_file, dir.File("server.crt"));
  EXPECT_EQ(web->tls.key_file, dir.File("server.key"));
  EXPECT_EQ(web->tls.min_version, "TLS12");
  EXPECT_EQ(web->tls.max_version, "TLS13");
  EXPECT_EQ(web->tls.client_auth_type, "NoClientCert");
  ASSERT_EQ(web->basic_auth_users.size(), 1u);
  EXPECT_EQ(web->basic_auth_users.at("alice"), kHash);
  EXPECT_EQ(web->rate_limit.interval, std::chrono::seconds(1));
  EXPECT_EQ(web->rate_limit.burst, 20);
  EXPECT_TRUE(web->warnings.empty());
  EXPECT_EQ(web->path, path);
}

TEST(WebConfigTest, EmptyFileMeansPlainHttp) {
  auto web = ParseWebConfig("# nothing\n", "/x");
  ASSERT_TRUE(web.ok());
  EXPECT_FALSE(web->tls_enabled);
  EXPECT_TRUE(web->basic_auth_users.empty());
}

TEST(WebConfigTest, ParsesEveryTlsKey) {
  auto web = ParseWebConfig(R"(
tls_server_config:
  cert_file: /pki/server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [scraper.example]
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: false
http_server_config:
  http2: false
  headers:
    x-frame-options: deny
    Strict-Transport-Security: max-age=31536000
)",
                            "/etc/hermes");
  ASSERT_TRUE(web.ok()) << web.status().message();
  const TlsServerConfig& t = web->tls;
  EXPECT_EQ(t.cert_file, "/pki/server.crt");
  EXPECT_EQ(t.key_file, "/etc/hermes/server.key");
  EXPECT_EQ(t.client_ca_file, "/etc/hermes/ca.crt");
  EXPECT_EQ(t.client_auth_type, "RequireAndVerifyClientCert");
  EXPECT_EQ(t.client_allowed_sans, std::vector<std::string>{"scraper.example"});
  EXPECT_EQ(t.min_version, "TLS13");
  EXPECT_EQ(t.cipher_suites.size(), 2u);
  EXPECT_EQ(t.curve_preferences, (std::vector<std::string>{"X25519", "CurveP256"}));
  EXPECT_FALSE(t.prefer_server_cipher_suites);
  EXPECT_FALSE(web->http2);
  EXPECT_EQ(web->headers.at("X-Frame-Options"), "deny");
  EXPECT_EQ(web->headers.size(), 2u);
}

TEST(WebConfigTest, MapsAcceptedCipherSuitesToOpenSsl) {
  EXPECT_STREQ(OpenSslCipherName("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
               "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_STREQ(OpenSslCipherName("TLS_AES_128_GCM_SHA256"), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(OpenSslCipherName("TLS_RSA_WITH_AES_128_CBC_SHA"), nullptr);
}

TEST(WebConfigTest, RejectsUnknownKeyWithPathAndLine) {
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n"),
            "tls_server_config.certfile (line 4): unknown key; valid keys here are: "
            "cert, key, client_ca, cert_file, key_file, client_auth_type, client_ca_file, "
            "client_allowed_sans, min_version, max_version, cipher_suites, curve_preferences, "
            "prefer_server_cipher_suites");
  // Not an exporter-toolkit key (its strict YAML refuses it too).
  EXPECT_EQ(ErrorOf("basic_auth_excluded_paths: [/-/healthy]\n"),
            "basic_auth_excluded_paths (line 1): unknown key; valid keys here are: "
            "tls_server_config, http_server_config, basic_auth_users, rate_limit");
}

TEST(WebConfigTest, RejectsCertWithoutKeyAndEmptyValuesCountAsMissing) {
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n"),
            "tls_server_config (line 1): key_file (or key) is missing; TLS needs a "
            "certificate and a key");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert: \"\"\n  key_file: b\n"),
            "tls_server_config (line 1): cert_file (or cert) is missing; TLS needs a "
            "certificate and a key");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key: \"\"\n"),
            "tls_server_config (line 1): key_file (or key) is missing; TLS needs a "
            "certificate and a key");
}

TEST(WebConfigTest, VerifyingClientAuthWithoutCaUsesSystemRoots) {
  for (const char* type : {"RequireAndVerifyClientCert", "VerifyClientCertIfGiven"}) {
    auto web = ParseWebConfig(
        std::string("tls_server_config: {cert_file: a, key_file: b, client_auth_type: ") + type +
            "}",
        "/x");
    ASSERT_TRUE(web.ok()) << web.status().message();
    EXPECT_EQ(web->tls.client_auth_type, type);
    EXPECT_TRUE(web->tls.client_ca_file.empty());
    EXPECT_TRUE(web->warnings.empty());
  }
}

TEST(WebConfigTest, RejectsClientCaWithoutClientAuth) {
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}"),
            "tls_server_config.client_ca_file (line 1): is set but client_auth_type is "
            "NoClientCert; set client_auth_type (e.g. RequireAndVerifyClientCert) or remove it");
}

TEST(WebConfigTest, AllowedSansWithoutRequiredCertIsAWarning) {
  auto web = ParseWebConfig(
      "tls_server_config: {cert_file: a, key_file: b, client_ca_file: c,\n"
      "  client_auth_type: VerifyClientCertIfGiven, client_allowed_sans: [x]}",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_EQ(web->warnings,
            std::vector<std::string>{"tls_server_config.client_allowed_sans (line 2): with "
                                     "client_auth_type VerifyClientCertIfGiven a client without a "
                                     "certificate is let in; only certificates that are presented "
                                     "are checked against it"});
}

TEST(WebConfigTest, CbcAndRsaSuitesAreDroppedWithAWarningInsecureOnesRefused) {
  auto web = ParseWebConfig(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites:\n"
      "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
      "    - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n"
      "    - TLS_RSA_WITH_AES_256_GCM_SHA384\n",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_EQ(web->tls.cipher_suites,
            std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  EXPECT_EQ(web->warnings,
            (std::vector<std::string>{
                "tls_server_config.cipher_suites[1] (line 6): TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA "
                "is not offered: hermes offers only AEAD suites with ECDHE key exchange (and the "
                "TLS 1.3 suites)",
                "tls_server_config.cipher_suites[2] (line 7): TLS_RSA_WITH_AES_256_GCM_SHA384 is "
                "not offered: hermes offers only AEAD suites with ECDHE key exchange (and the "
                "TLS 1.3 suites)"}));
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: a, key_file: b, cipher_suites: "
                    "[TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA]}"),
            "tls_server_config.cipher_suites[0] (line 1): \"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA\" "
            "is one of Go's insecure suites, which exporter-toolkit refuses too; use "
            "TLS_ECDHE_{ECDSA,RSA}_WITH_{AES_128_GCM_SHA256,AES_256_GCM_SHA384,"
            "CHACHA20_POLY1305_SHA256} or leave cipher_suites out");
  EXPECT_TRUE(ErrorOf("tls_server_config: {cert_file: a, key_file: b, cipher_suites: [NOPE]}")
                  .find("unknown cipher suite \"NOPE\"") != std::string::npos);
}

TEST(WebConfigTest, OnlyCbcSuitesFallBackToTheDefaultWithAWarning) {
  auto web = ParseWebConfig(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites:\n"
      "    - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  web = ParseWebConfig(
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites:\n"
      "    - TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA\n  min_version: TLS13\n",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_TRUE(web->tls.cipher_suites.empty());
  ASSERT_EQ(web->warnings.size(), 2u);
  EXPECT_EQ(web->warnings[1],
            "tls_server_config.cipher_suites (line 4): no TLS 1.2 suite hermes offers is listed; "
            "TLS 1.2 uses hermes' default AEAD ECDHE suites");
}

TEST(WebConfigTest, Http2NeedsAnAes128GcmSuiteLikeGo) {
  const std::string base =
      "tls_server_config:\n  cert_file: a\n  key_file: b\n  max_version: TLS12\n"
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n";
  EXPECT_EQ(ErrorOf(base),
            "tls_server_config.cipher_suites (line 5): HTTP/2 (http_server_config.http2, default "
            "true) needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 when TLS 1.2 is allowed; add one, set "
            "min_version: TLS13 or http2: false (Go refuses this too)");
  EXPECT_EQ(ErrorOf(base + "http_server_config: {http2: false}\n"), "<parsed>");
}

TEST(WebConfigTest, TlsBelow12IsRaisedWithAWarning) {
  auto web = ParseWebConfig(
      "tls_server_config: {cert_file: a, key_file: b, min_version: TLS10, max_version: TLS11}",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_EQ(web->tls.min_version, "TLS12");
  EXPECT_EQ(web->tls.max_version, "TLS12");
  EXPECT_EQ(web->warnings,
            (std::vector<std::string>{"tls_server_config.min_version (line 1): TLS10 is raised "
                                      "to TLS12: hermes accepts TLS 1.2 and 1.3 only",
                                      "tls_server_config.max_version (line 1): TLS11 is raised "
                                      "to TLS12: hermes accepts TLS 1.2 and 1.3 only"}));
}

TEST(WebConfigTest, RejectsUnknownCurveAndVersion) {
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: a, key_file: b, curve_preferences: [P256]}"),
            "tls_server_config.curve_preferences[0] (line 1): must be one of CurveP256, "
            "CurveP384, CurveP521, X25519, got \"P256\"");
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: a, key_file: b, min_version: TLS14}"),
            "tls_server_config.min_version (line 1): must be one of TLS10, TLS11, TLS12, "
            "TLS13, got \"TLS14\"");
  EXPECT_EQ(ErrorOf("tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, "
                    "max_version: TLS12}"),
            "tls_server_config.min_version (line 1): min_version TLS13 is above max_version "
            "TLS12: no handshake could succeed");
}

TEST(WebConfigTest, InlinePemIsAcceptedButNotTogetherWithItsFile) {
  auto web = ParseWebConfig(
      "tls_server_config:\n  cert: |\n    -----BEGIN X\n  key_file: b\n"
      "  client_ca: \"pem\"\n  client_auth_type: RequireAndVerifyClientCert\n",
      "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_TRUE(web->tls_enabled);
  EXPECT_EQ(web->tls.cert, "-----BEGIN X\n");
  EXPECT_EQ(web->tls.key_file, "/x/b");
  EXPECT_EQ(web->tls.client_ca, "pem");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert: x\n  cert_file: a\n  key_file: b\n"),
            "tls_server_config.cert (line 2): set either cert (inline PEM) or cert_file, not "
            "both");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key: x\n  key_file: b\n"),
            "tls_server_config.key (line 3): set either key (inline PEM) or key_file, not both");
}

TEST(WebConfigTest, RateLimit) {
  auto web = ParseWebConfig("rate_limit: {interval: 0, burst: 0}\n", "/x");
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_EQ(web->rate_limit.interval.count(), 0);
  EXPECT_EQ(ErrorOf("rate_limit: {interval: 1s, burst: -1}\n"),
            "rate_limit.burst (line 1): must be between 0 and 1073741824, got -1");
  EXPECT_EQ(ErrorOf("rate_limit: {interval: 1s, bursts: 1}\n"),
            "rate_limit.bursts (line 1): unknown key; valid keys here are: interval, burst");
}

TEST(WebConfigTest, RejectsPlainPasswordsAndForbiddenHeaders) {
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  alice: hunter2\n"),
            "basic_auth_users.alice (line 2): must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 "
            "characters), not a plain password; create one with htpasswd -nBC 10 \"\"");
  EXPECT_EQ(ErrorOf("http_server_config:\n  headers:\n    Authorization: x\n"),
            "http_server_config.headers.Authorization (line 3): this header cannot be "
            "configured; allowed: Content-Security-Policy, Strict-Transport-Security, "
            "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection");
  EXPECT_EQ(ErrorOf("http_server_config: {headers: {X-Content-Type-Options: sniff}}"),
            "http_server_config.headers.X-Content-Type-Options (line 1): must be nosniff, got "
            "\"sniff\"");
}

TEST(WebConfigTest, SharesStrictnessWithHermesYml) {
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  alice: x\n  alice: y\n"),
            "basic_auth_users.alice (line 3): duplicate key (first set on line 2); remove one "
            "of them");
  EXPECT_EQ(ErrorOf("a: &x 1\n"),
            "a (line 1): YAML anchors (&name) are not allowed; write the "
            "value out");
}

TEST(WebConfigTest, LoadPrefixesErrorsWithPath) {
  testing::TempDir dir;
  const std::string path = dir.File("web.yml");
  testing::WriteFile(path, "tls_server_config: []\n");
  auto web = LoadWebConfigFile(path);
  ASSERT_FALSE(web.ok());
  EXPECT_EQ(web.status().message(),
            path + ": tls_server_config (line 1): must be a map, got a list");
}

}  // namespace
}  // namespace hermes::config
