// TLS behaviour of the listener: protocol and suite policy, certificate reload,
// mTLS. Real handshakes against 127.0.0.1:0 with the generated test PKI.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>

#include "server/http_server.h"
#include "server/server_test_util.h"
#include "server/tls_context.h"
#include "testing/testing.h"

namespace hermes::server {
namespace {

using namespace test_util;  // NOLINT: test helpers
using hermes::testing::TempDir;
using hermes::testing::TestPki;

struct ClientOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string ciphers;  // TLS 1.2 cipher list; "" = OpenSSL default
  std::string cert;     // PKI file stem, e.g. "client"
};

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

CtxPtr ClientCtx(const TestPki& pki, const ClientOptions& o) {
  CtxPtr ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_load_verify_locations(ctx.get(), pki.Path("ca.crt").c_str(), nullptr);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_min_proto_version(ctx.get(), o.min_version);
  SSL_CTX_set_max_proto_version(ctx.get(), o.max_version);
  // Security level 0 so the client itself is willing to speak TLS 1.0/1.1: the
  // refusal under test must come from the server.
  SSL_CTX_set_security_level(ctx.get(), 0);
  if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(ctx.get(), o.ciphers.c_str());
  if (!o.cert.empty()) {
    SSL_CTX_use_certificate_file(ctx.get(), pki.Path(o.cert + ".crt").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx.get(), pki.Path(o.cert + ".key").c_str(), SSL_FILETYPE_PEM);
  }
  return ctx;
}

X509* LoadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return x;
}

class TlsTest : public ::testing::Test {
 protected:
  TlsTest() : pki_(hermes::testing::SharedPki()) {}

  void StartServer(config::TlsServerConfig tls = {}) {
    if (tls.cert_file.empty()) tls.cert_file = pki_.Path("server.crt");
    if (tls.key_file.empty()) tls.key_file = pki_.Path("server.key");
    ServerOptions o = TestServer::Options();
    o.web.tls_enabled = true;
    o.web.tls = tls;
    o.tls_reload_interval = std::chrono::milliseconds(0);
    StreamedBody body{100'000'000};
    Route down = TextRoute("/__down", "");
    down.handler = [body](const HttpRequest&) {
      HttpResponse r;
      r.stream = body;
      return r;
    };
    server_ = std::make_unique<TestServer>(o, std::vector<Route>{TextRoute("/a", "hello"), down});
    server_->Start();
  }

  // Connects and handshakes; nullptr when the handshake fails (error in *error).
  std::unique_ptr<Conn> Connect(const ClientOptions& o, std::string* error = nullptr) {
    auto ctx = ClientCtx(pki_, o);
    auto c = std::make_unique<Conn>(server_->port);
    if (!c->Handshake(ctx.get(), error)) return nullptr;
    return c;  // the SSL holds its own reference to ctx
  }

  // True when a GET /a on `c` is answered with 200 (false when the server drops
  // the connection after a TLS 1.3 handshake that the client considered done).
  static bool Served(Conn* c) {
    if (c == nullptr || !c->Send(Get("/a"))) return false;
    return ReadResponse(*c).status == 200;
  }

  TempDir dir_;
  const TestPki& pki_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(TlsTest, ServesGetOverTls12AndTls13) {
  StartServer();
  auto c13 = Connect({});
  ASSERT_NE(c13, nullptr);
  EXPECT_EQ(SSL_version(c13->ssl), TLS1_3_VERSION);
  EXPECT_TRUE(Served(c13.get()));
  auto c12 = Connect({.max_version = TLS1_2_VERSION});
  ASSERT_NE(c12, nullptr);
  EXPECT_STREQ(SSL_get_cipher_name(c12->ssl), "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_TRUE(Served(c12.get()));
}

TEST_F(TlsTest, RejectsTls10And11EvenWhenConfigAllowsThem) {
  config::TlsServerConfig tls;
  tls.min_version = "TLS10";
  StartServer(tls);
  for (int v : {TLS1_VERSION, TLS1_1_VERSION}) {
    std::string error;
    auto c = Connect({.min_version = v, .max_version = v, .ciphers = "ALL:@SECLEVEL=0"}, &error);
    EXPECT_EQ(c, nullptr);
    EXPECT_NE(error.find("protocol version"), std::string::npos) << error;
  }
  EXPECT_EQ(server_->observer.WaitForRejected(2),
            (std::vector<ConnectionRejectReason>{ConnectionRejectReason::kTlsHandshake,
                                                 ConnectionRejectReason::kTlsHandshake}));
}

TEST_F(TlsTest, RejectsCbcOnlyClient) {
  StartServer();
  std::string error;
  auto c = Connect({.max_version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA"}, &error);
  EXPECT_EQ(c, nullptr);
  EXPECT_NE(error.find("handshake failure"), std::string::npos) << error;
}

TEST_F(TlsTest, HonorsConfiguredCipherSuitesAndCurves) {
  config::TlsServerConfig tls;
  tls.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"};
  tls.curve_preferences = {"CurveP384"};
  StartServer(tls);
  auto c = Connect({.max_version = TLS1_2_VERSION});
  ASSERT_NE(c, nullptr);
  EXPECT_STREQ(SSL_get_cipher_name(c->ssl), "ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(SSL_get_negotiated_group(c->ssl), NID_secp384r1);
}

TEST_F(TlsTest, ReloadsCertificateWithoutDroppingConnections) {
  config::TlsServerConfig tls;
  tls.cert_file = dir_.File("live.crt");
  tls.key_file = dir_.File("live.key");
  hermes::testing::WriteFile(tls.cert_file, hermes::testing::ReadFile(pki_.Path("server.crt")));
  hermes::testing::WriteFile(tls.key_file, hermes::testing::ReadFile(pki_.Path("server.key")));
  StartServer(tls);
  X509* first = LoadCert(pki_.Path("server.crt"));
  X509* second = LoadCert(pki_.Path("server2.crt"));
  auto old_conn = Connect({});
  ASSERT_NE(old_conn, nullptr);
  X509* seen = SSL_get0_peer_certificate(old_conn->ssl);
  EXPECT_EQ(X509_cmp(seen, first), 0);
  EXPECT_TRUE(Served(old_conn.get()));

  hermes::testing::WriteFile(tls.key_file, hermes::testing::ReadFile(pki_.Path("server2.key")));
  hermes::testing::WriteFile(tls.cert_file, hermes::testing::ReadFile(pki_.Path("server2.crt")));
  auto new_conn = Connect({});
  ASSERT_NE(new_conn, nullptr);
  EXPECT_EQ(X509_cmp(SSL_get0_peer_certificate(new_conn->ssl), second), 0);
  EXPECT_TRUE(Served(new_conn.get()));
  EXPECT_TRUE(Served(old_conn.get()));  // established connection keeps working
  X509_free(first);
  X509_free(second);
}

TEST_F(TlsTest, RequireAndVerifyClientCert) {
  config::TlsServerConfig tls;
  tls.client_auth_type = "RequireAndVerifyClientCert";
  tls.client_ca_file = pki_.Path("ca.crt");
  StartServer(tls);
  EXPECT_FALSE(Served(Connect({}).get()));
  EXPECT_FALSE(Served(Connect({.cert = "rogue-client"}).get()));
  EXPECT_TRUE(Served(Connect({.cert = "client"}).get()));
  EXPECT_GE(server_->observer.WaitForRejected(2).size(), 2u);
}

TEST_F(TlsTest, ClientAllowedSansMustMatch) {
  config::TlsServerConfig tls;
  tls.client_auth_type = "RequireAndVerifyClientCert";
  tls.client_ca_file = pki_.Path("ca.crt");
  tls.client_allowed_sans = {"other.example", "192.0.2.1"};
  StartServer(tls);
  EXPECT_FALSE(Served(Connect({.cert = "client"}).get()));
}

TEST_F(TlsTest, ClientAllowedSansAcceptsMatchingCert) {
  config::TlsServerConfig tls;
  tls.client_auth_type = "RequireAndVerifyClientCert";
  tls.client_ca_file = pki_.Path("ca.crt");
  tls.client_allowed_sans = {"other.example", "SCRAPER.example"};
  StartServer(tls);
  EXPECT_TRUE(Served(Connect({.cert = "client"}).get()));
}

TEST_F(TlsTest, RequireAnyClientCertAcceptsUnverifiedCert) {
  config::TlsServerConfig tls;
  tls.client_auth_type = "RequireAnyClientCert";
  StartServer(tls);
  EXPECT_FALSE(Served(Connect({}).get()));
  EXPECT_TRUE(Served(Connect({.cert = "rogue-client"}).get()));
}

TEST_F(TlsTest, StreamsOverTls) {
  StartServer();
  auto c = Connect({});
  ASSERT_NE(c, nullptr);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->Send(Get("/__down")));
  Response r = ReadResponse(*c, false, 1024);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.body_bytes, 100'000'000u);
  std::printf("[ measure  ] TLS stream 100 MB in %.3f s = %.2f GB/s\n", secs, 0.1 / secs);
}

TEST(TlsContextTest, RejectsCbcSuiteNames) {
  const TestPki& pki = hermes::testing::SharedPki();
  config::TlsServerConfig tls;
  tls.cert_file = pki.Path("server.crt");
  tls.key_file = pki.Path("server.key");
  tls.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"};
  EXPECT_NE(BuildServerTlsContext(tls).status().message().find("not an AEAD suite"),
            std::string::npos);
  tls.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"};
  EXPECT_TRUE(BuildServerTlsContext(tls).ok());
}

TEST(TlsContextTest, BuildErrorsNameTheKey) {
  const TestPki& pki = hermes::testing::SharedPki();
  config::TlsServerConfig tls;
  tls.cert_file = pki.Path("server.crt");
  tls.key_file = pki.Path("server2.key");
  auto mismatch = BuildServerTlsContext(tls);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("server2.key"), std::string::npos)
      << mismatch.status().message();
  tls.key_file = pki.Path("server.key");
  tls.client_auth_type = "RequireAndVerifyClientCert";
  EXPECT_TRUE(BuildServerTlsContext(tls).ok());  // no client CA: the system roots
  tls.client_ca_file = pki.Path("missing-ca.crt");
  EXPECT_NE(BuildServerTlsContext(tls).status().message().find("client_ca_file"),
            std::string::npos);
  tls.client_ca_file = pki.Path("server.key");  // PEM, but no certificate
  EXPECT_NE(BuildServerTlsContext(tls).status().message().find("no PEM certificate"),
            std::string::npos);
  tls.client_ca_file.clear();
  tls.client_auth_type = "NoClientCert";
  tls.curve_preferences = {"CurveP999"};
  EXPECT_NE(BuildServerTlsContext(tls).status().message().find("curve_preferences"),
            std::string::npos);
}

}  // namespace
}  // namespace hermes::server
