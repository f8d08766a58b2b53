#include "server/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>
#include <cstring>

#include "server/alpn.h"

namespace hermes::server {
namespace {

constexpr const char* kIntermediateTls12Suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kDefaultGroups = "X25519:P-256:P-384";

// Who may present which client certificate; stored in the SSL_CTX's ex_data so the
// verify callback of any handshake finds the policy of the context it started on.
struct PeerPolicy {
  bool verify_chain = false;  // false: Request/RequireAny (certificate not verified)
  std::vector<std::string> allowed_sans;
};

void FreePolicy(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<PeerPolicy*>(ptr);
}

int PolicyIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreePolicy);
  return index;
}

std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// The PEM source of one tls_server_config item: its file, or its inline text.
struct PemSource {
  const std::string& file;
  const std::string& text;
  const char* file_key;    // "cert_file"
  const char* inline_key;  // "cert"
  BioPtr Open() const {
    return BioPtr(file.empty() ? BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))
                               : BIO_new_file(file.c_str(), "r"),
                  BIO_free);
  }
  Status Error(const std::string& what) const {
    return Status::Unavailable(std::string("tls_server_config.") +
                               (file.empty() ? std::string(inline_key) + " (inline PEM)"
                                             : file_key + (" \"" + file + "\"")) +
                               ": " + what);
  }
};

// Every certificate in `src`, in order; an error when there is none.
Result<std::vector<X509*>> ReadCertificates(const PemSource& src) {
  BioPtr bio = src.Open();
  if (!bio) return src.Error(OpenSslError());
  std::vector<X509*> certs;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.push_back(x);
  ERR_clear_error();  // the end of the input reads as an error
  if (certs.empty()) return src.Error("no PEM certificate in it");
  return certs;
}

Status UseCertificateChain(SSL_CTX* c, const PemSource& src) {
  auto certs = ReadCertificates(src);
  if (!certs.ok()) return certs.status();
  bool ok = SSL_CTX_use_certificate(c, certs->front()) == 1;
  X509_free(certs->front());
  for (size_t i = 1; i < certs->size(); ++i) {
    // add0 takes ownership on success.
    if (!ok || SSL_CTX_add0_chain_cert(c, (*certs)[i]) != 1) {
      ok = false;
      X509_free((*certs)[i]);
    }
  }
  return ok ? Status::Ok() : src.Error(OpenSslError());
}

Status UsePrivateKey(SSL_CTX* c, const PemSource& src) {
  BioPtr bio = src.Open();
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  bool ok = key != nullptr && SSL_CTX_use_PrivateKey(c, key) == 1;
  EVP_PKEY_free(key);
  return ok ? Status::Ok() : src.Error(OpenSslError());
}

int VerifyClientCertificate(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* policy =
      ssl == nullptr
          ? nullptr
          : static_cast<PeerPolicy*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), PolicyIndex()));
  if (policy == nullptr) return preverify_ok;
  if (!policy->verify_chain) preverify_ok = 1;
  if (!preverify_ok) return 0;
  if (X509_STORE_CTX_get_error_depth(store) == 0 && !policy->allowed_sans.empty() &&
      !CertificateSanAllowed(X509_STORE_CTX_get_current_cert(store), policy->allowed_sans)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

// TLS10/TLS11 are raised to TLS12 (config::ParseWebConfig warns about it).
Result<int> ParseVersion(const std::string& v, const char* key) {
  if (v == "TLS10" || v == "TLS11" || v == "TLS12") return TLS1_2_VERSION;
  if (v == "TLS13") return TLS1_3_VERSION;
  return Status::Invalid(std::string("tls_server_config.") + key + ": unknown version \"" + v +
                         "\" (use TLS12 or TLS13)");
}

Result<std::string> GroupList(const std::vector<std::string>& curves) {
  if (curves.empty()) return std::string(kDefaultGroups);
  std::string out;
  for (const auto& c : curves) {
    const char* name = c == "X25519"      ? "X25519"
                       : c == "CurveP256" ? "P-256"
                       : c == "CurveP384" ? "P-384"
                       : c == "CurveP521" ? "P-521"
                                          : nullptr;
    if (name == nullptr) {
      return Status::Invalid("tls_server_config.curve_preferences: unknown curve \"" + c +
                             "\" (use X25519, CurveP256, CurveP384, CurveP521)");
    }
    if (!out.empty()) out += ':';
    out += name;
  }
  return out;
}

Status ConfigureClientAuth(SSL_CTX* ctx, const config::TlsServerConfig& cfg) {
  const std::string& t = cfg.client_auth_type;
  int mode;
  bool verify;
  if (t.empty() || t == "NoClientCert") {
    return Status::Ok();
  } else if (t == "RequestClientCert") {
    mode = SSL_VERIFY_PEER, verify = false;
  } else if (t == "RequireAnyClientCert") {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify = false;
  } else if (t == "VerifyClientCertIfGiven") {
    mode = SSL_VERIFY_PEER, verify = true;
  } else if (t == "RequireAndVerifyClientCert") {
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify = true;
  } else {
    return Status::Invalid("tls_server_config.client_auth_type: unknown value \"" + t + "\"");
  }
  const PemSource ca{cfg.client_ca_file, cfg.client_ca, "client_ca_file", "client_ca"};
  if (!cfg.client_ca_file.empty() || !cfg.client_ca.empty()) {
    auto certs = ReadCertificates(ca);
    if (!certs.ok()) return certs.status();
    bool ok = true;
    for (X509* x : *certs) {
      ok = ok && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) == 1 &&
           SSL_CTX_add_client_CA(ctx, x) == 1;
      X509_free(x);
    }
    if (!ok) return ca.Error(OpenSslError());
  } else if (verify && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    // No client CA: the system roots verify client certificates, as in Go.
    return Status::Unavailable("tls_server_config: cannot load the system CA certificates: " +
                               OpenSslError());
  }
  auto* policy = new PeerPolicy{verify, cfg.client_allowed_sans};
  if (SSL_CTX_set_ex_data(ctx, PolicyIndex(), policy) != 1) {
    delete policy;
    return Status::Internal("tls: cannot attach client certificate policy");
  }
  SSL_CTX_set_verify(ctx, mode, VerifyClientCertificate);
  return Status::Ok();
}

// True when `text` is an IP address literal whose bytes equal `raw`.
bool IpEquals(const std::string& text, const unsigned char* raw, int len) {
  std::array<unsigned char, 16> buf{};
  if (len == 4 && inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    return std::memcmp(buf.data(), raw, 4) == 0;
  }
  if (len == 16 && inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
    return std::memcmp(buf.data(), raw, 16) == 0;
  }
  return false;
}

}  // namespace

bool CertificateSanAllowed(X509* cert, const std::vector<std::string>& allowed) {
  if (cert == nullptr) return false;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool match = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !match; ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS || gn->type == GEN_EMAIL || gn->type == GEN_URI) {
      const ASN1_IA5STRING* s = gn->d.ia5;
      std::string_view value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<size_t>(ASN1_STRING_length(s)));
      for (const auto& a : allowed) {
        if (gn->type == GEN_URI ? a == value : boost::algorithm::iequals(a, value)) match = true;
      }
    } else if (gn->type == GEN_IPADD) {
      const unsigned char* raw = ASN1_STRING_get0_data(gn->d.ip);
      int len = ASN1_STRING_length(gn->d.ip);
      for (const auto& a : allowed) {
        if (IpEquals(a, raw, len)) match = true;
      }
    }
  }
  GENERAL_NAMES_free(names);
  return match;
}

Result<SslCtxPtr> BuildServerTlsContext(const config::TlsServerConfig& cfg, bool offer_h2) {
  auto min = ParseVersion(cfg.min_version.empty() ? "TLS12" : cfg.min_version, "min_version");
  if (!min.ok()) return min.status();
  auto max = ParseVersion(cfg.max_version.empty() ? "TLS13" : cfg.max_version, "max_version");
  if (!max.ok()) return max.status();
  if (*max < *min) {
    return Status::Invalid("tls_server_config: max_version is below min_version");
  }
  std::string suites, tls13_suites;
  for (const auto& name : cfg.cipher_suites) {
    const char* openssl = config::OpenSslCipherName(name);
    if (openssl == nullptr) {
      return Status::Invalid("tls_server_config.cipher_suites: \"" + name +
                             "\" is not an AEAD suite with ECDHE key exchange");
    }
    std::string& list = std::string_view(openssl).starts_with("TLS_") ? tls13_suites : suites;
    if (!list.empty()) list += ':';
    list += openssl;
  }
  if (suites.empty()) suites = kIntermediateTls12Suites;
  auto groups = GroupList(cfg.curve_preferences);
  if (!groups.ok()) return groups.status();

  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return Status::Internal("tls: SSL_CTX_new: " + OpenSslError());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, *min);
  SSL_CTX_set_max_proto_version(c, *max);
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (cfg.prefer_server_cipher_suites) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(c, options);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(c, suites.c_str()) != 1) {
    return Status::Invalid("tls_server_config.cipher_suites: " + OpenSslError());
  }
  if (!tls13_suites.empty() && SSL_CTX_set_ciphersuites(c, tls13_suites.c_str()) != 1) {
    return Status::Invalid("tls_server_config.cipher_suites: " + OpenSslError());
  }
  if (SSL_CTX_set1_groups_list(c, groups->c_str()) != 1) {
    return Status::Invalid("tls_server_config.curve_preferences: " + OpenSslError());
  }
  static const unsigned char kSessionContext[] = "hermes";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof(kSessionContext) - 1);
  HERMES_RETURN_IF_ERROR(
      UseCertificateChain(c, PemSource{cfg.cert_file, cfg.cert, "cert_file", "cert"}));
  HERMES_RETURN_IF_ERROR(UsePrivateKey(c, PemSource{cfg.key_file, cfg.key, "key_file", "key"}));
  if (SSL_CTX_check_private_key(c) != 1) {
    return Status::Invalid("tls_server_config: the key (" +
                           (cfg.key_file.empty() ? "inline" : "\"" + cfg.key_file + "\"") +
                           ") does not match the certificate (" +
                           (cfg.cert_file.empty() ? "inline" : "\"" + cfg.cert_file + "\"") + ")");
  }
  HERMES_RETURN_IF_ERROR(ConfigureClientAuth(c, cfg));
  SetAlpn(c, offer_h2);
  return ctx;
}

Result<std::unique_ptr<TlsContextProvider>> TlsContextProvider::Create(
    config::TlsServerConfig cfg, std::chrono::milliseconds check_interval, bool offer_h2) {
  std::unique_ptr<TlsContextProvider> p(
      new TlsContextProvider(std::move(cfg), check_interval, offer_h2));
  std::vector<FileStamp> stamps = p->StampFiles();
  auto ctx = BuildServerTlsContext(p->cfg_, offer_h2);
  if (!ctx.ok()) return ctx.status();
  {
    MutexLock lock(p->mu_);  // not shared yet; held so the analysis sees every write locked
    p->stamps_ = std::move(stamps);
    p->current_ = std::move(*ctx);
    p->next_check_ = std::chrono::steady_clock::now() + check_interval;
  }
  return p;
}

TlsContextProvider::TlsContextProvider(config::TlsServerConfig cfg,
                                       std::chrono::milliseconds check_interval, bool offer_h2)
    : cfg_(std::move(cfg)), check_interval_(check_interval), offer_h2_(offer_h2) {}

std::vector<TlsContextProvider::FileStamp> TlsContextProvider::StampFiles() const {
  std::vector<FileStamp> out;
  for (const std::string* f : {&cfg_.cert_file, &cfg_.key_file, &cfg_.client_ca_file}) {
    FileStamp s;
    struct stat st;
    if (!f->empty() && ::stat(f->c_str(), &st) == 0) {
      s.inode = st.st_ino;
      s.size = static_cast<unsigned long long>(st.st_size);
      s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    out.push_back(s);
  }
  return out;
}

SslCtxPtr TlsContextProvider::Current() {
  {
    MutexLock lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return current_;
    // Only the caller that moves next_check_ does the file I/O below.
    next_check_ = now + check_interval_;
  }
  std::vector<FileStamp> stamps = StampFiles();
  {
    MutexLock lock(mu_);
    if (stamps == stamps_) return current_;
  }
  auto ctx = BuildServerTlsContext(cfg_, offer_h2_);
  MutexLock lock(mu_);
  if (!ctx.ok()) {
    // stamps_ is left as is, so the next check retries (e.g. key written after cert).
    last_error_ = ctx.status().message();
    return current_;
  }
  current_ = std::move(*ctx);
  stamps_ = std::move(stamps);
  last_error_.clear();
  return current_;
}

std::string TlsContextProvider::LastReloadError() const {
  MutexLock lock(mu_);
  return last_error_;
}

}  // namespace hermes::server
