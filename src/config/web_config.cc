// Strict parsing of the exporter-toolkit web config; see web_config.h.
#include "config/web_config.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>

#include "config/parse.h"
#include "config/yaml_util.h"

namespace hermes::config {
namespace {

using internal::ErrorAt;
using internal::JoinIndex;
using internal::LineOf;
using internal::MapReader;

struct CipherName {
  std::string_view go;
  const char* openssl;  // nullptr: accepted (Go offers it) but not offered by hermes
};
// Every suite Go's tls.CipherSuites() lists, which is what exporter-toolkit
// accepts. hermes offers the AEAD suites with ECDHE key exchange (Mozilla
// "intermediate") and the TLS 1.3 suites.
constexpr CipherName kCiphers[] = {
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", nullptr},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", nullptr},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", nullptr},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", nullptr},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", nullptr},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", nullptr},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", nullptr},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", nullptr},
};
// Go's tls.InsecureCipherSuites(): exporter-toolkit refuses them as unknown.
constexpr std::string_view kInsecureCiphers[] = {"TLS_RSA_WITH_RC4_128_SHA",
                                                 "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                                                 "TLS_RSA_WITH_AES_128_CBC_SHA256",
                                                 "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
                                                 "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                                                 "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                                                 "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                                                 "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"};

constexpr std::string_view kClientAuthTypes[] = {
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
    "RequireClientCert"};  // exporter-toolkit's old name for RequireAnyClientCert
constexpr std::string_view kTlsVersions[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
constexpr std::string_view kCurves[] = {"CurveP256", "CurveP384", "CurveP521", "X25519"};
// The headers exporter-toolkit lets http_server_config set.
constexpr std::string_view kHeaders[] = {"Strict-Transport-Security", "X-Content-Type-Options",
                                         "X-Frame-Options", "X-XSS-Protection",
                                         "Content-Security-Policy"};

std::string At(const std::string& path, int line) {
  return path + " (line " + std::to_string(line) + "): ";
}

// Keeps the suites hermes offers; a suite Go accepts but hermes does not offer is
// dropped with a warning, one Go does not accept is an error.
Status FilterCipherSuites(const MapReader& m, std::vector<std::string>* suites,
                          std::vector<std::string>* warnings) {
  std::vector<std::string> offered;
  for (size_t i = 0; i < suites->size(); ++i) {
    const std::string& name = (*suites)[i];
    const std::string path = JoinIndex(m.PathOf("cipher_suites"), i);
    const int line = LineOf(m.Get("cipher_suites")[i]);
    const auto known = std::find_if(std::begin(kCiphers), std::end(kCiphers),
                                    [&](const CipherName& c) { return c.go == name; });
    if (known == std::end(kCiphers)) {
      const bool insecure = std::find(std::begin(kInsecureCiphers), std::end(kInsecureCiphers),
                                      name) != std::end(kInsecureCiphers);
      return ErrorAt(path, line,
                     (insecure ? "\"" + name +
                                     "\" is one of Go's insecure suites, which "
                                     "exporter-toolkit refuses too"
                               : "unknown cipher suite \"" + name + "\"") +
                         "; use TLS_ECDHE_{ECDSA,RSA}_WITH_{AES_128_GCM_SHA256,AES_256_GCM_SHA384,"
                         "CHACHA20_POLY1305_SHA256} or leave cipher_suites out");
    }
    if (known->openssl == nullptr) {
      warnings->push_back(At(path, line) + name +
                          " is not offered: hermes offers only AEAD suites with ECDHE key "
                          "exchange (and the TLS 1.3 suites)");
      continue;
    }
    offered.push_back(name);
  }
  const auto tls12 = [](const std::string& n) {
    return !n.starts_with("TLS_AES_") && !n.starts_with("TLS_CHACHA");
  };
  if (!suites->empty() && std::none_of(offered.begin(), offered.end(), tls12)) {
    warnings->push_back(At(m.PathOf("cipher_suites"), m.LineOfKey("cipher_suites")) +
                        "no TLS 1.2 suite hermes offers is listed; TLS 1.2 uses hermes' "
                        "default AEAD ECDHE suites");
  }
  *suites = std::move(offered);
  return Status::Ok();
}

// Reads the inline PEM `inline_key` and the path `file_key` of one item; setting
// both is an error (exporter-toolkit would silently take the file).
Status PemOrFile(const MapReader& m, const char* inline_key, const char* file_key,
                 const std::string& base_dir, std::string* pem, std::string* file) {
  HERMES_RETURN_IF_ERROR(m.String(inline_key, pem));
  HERMES_RETURN_IF_ERROR(m.FilePath(file_key, base_dir, file));
  if (!pem->empty() && !file->empty()) {
    return m.KeyError(inline_key, std::string("set either ") + inline_key + " (inline PEM) or " +
                                      file_key + ", not both");
  }
  return Status::Ok();
}

// TLS versions below 1.2 are raised to TLS12, with a warning.
void RaiseVersion(const MapReader& m, const char* key, std::string* version,
                  std::vector<std::string>* warnings) {
  if (*version != "TLS10" && *version != "TLS11") return;
  warnings->push_back(At(m.PathOf(key), m.LineOfKey(key)) + *version +
                      " is raised to TLS12: hermes accepts TLS 1.2 and 1.3 only");
  *version = "TLS12";
}

Status ParseTlsServerConfig(const MapReader& root, const std::string& base_dir, WebConfig* w) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("tls_server_config", &m));
  if (!m) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"cert",
                                               "key",
                                               "client_ca",
                                               "cert_file",
                                               "key_file",
                                               "client_auth_type",
                                               "client_ca_file",
                                               "client_allowed_sans",
                                               "min_version",
                                               "max_version",
                                               "cipher_suites",
                                               "curve_preferences",
                                               "prefer_server_cipher_suites"};
  HERMES_RETURN_IF_ERROR(m->CheckKeys(kKeys));
  TlsServerConfig& t = w->tls;
  HERMES_RETURN_IF_ERROR(PemOrFile(*m, "cert", "cert_file", base_dir, &t.cert, &t.cert_file));
  HERMES_RETURN_IF_ERROR(PemOrFile(*m, "key", "key_file", base_dir, &t.key, &t.key_file));
  HERMES_RETURN_IF_ERROR(
      PemOrFile(*m, "client_ca", "client_ca_file", base_dir, &t.client_ca, &t.client_ca_file));
  std::string auth_type;
  HERMES_RETURN_IF_ERROR(m->String("client_auth_type", &auth_type));
  if (!auth_type.empty()) {
    HERMES_RETURN_IF_ERROR(m->Enum("client_auth_type", kClientAuthTypes, &t.client_auth_type));
  }
  if (t.client_auth_type == "RequireClientCert") t.client_auth_type = "RequireAnyClientCert";
  HERMES_RETURN_IF_ERROR(m->StringList("client_allowed_sans", &t.client_allowed_sans));
  HERMES_RETURN_IF_ERROR(m->Enum("min_version", kTlsVersions, &t.min_version));
  HERMES_RETURN_IF_ERROR(m->Enum("max_version", kTlsVersions, &t.max_version));
  HERMES_RETURN_IF_ERROR(m->StringList("cipher_suites", &t.cipher_suites));
  HERMES_RETURN_IF_ERROR(m->StringList("curve_preferences", &t.curve_preferences));
  for (size_t i = 0; i < t.curve_preferences.size(); ++i) {
    HERMES_RETURN_IF_ERROR(internal::CheckOneOf(t.curve_preferences[i], kCurves,
                                                JoinIndex(m->PathOf("curve_preferences"), i),
                                                LineOf(m->Get("curve_preferences")[i])));
  }
  HERMES_RETURN_IF_ERROR(m->Bool("prefer_server_cipher_suites", &t.prefer_server_cipher_suites));

  // Version names sort in protocol order.
  if (t.min_version > t.max_version) {
    return m->KeyError("min_version", "min_version " + t.min_version + " is above max_version " +
                                          t.max_version + ": no handshake could succeed");
  }
  // Like exporter-toolkit: any of these set switches TLS on, and then a certificate
  // and a key are needed.
  const bool wants_tls = !t.cert.empty() || !t.cert_file.empty() || !t.key.empty() ||
                         !t.key_file.empty() || !t.client_ca.empty() || !t.client_ca_file.empty() ||
                         !auth_type.empty();
  if (!wants_tls) return Status::Ok();
  if (t.cert.empty() && t.cert_file.empty()) {
    return m->Error("cert_file (or cert) is missing; TLS needs a certificate and a key");
  }
  if (t.key.empty() && t.key_file.empty()) {
    return m->Error("key_file (or key) is missing; TLS needs a certificate and a key");
  }
  const bool has_ca = !t.client_ca.empty() || !t.client_ca_file.empty();
  if (has_ca && t.client_auth_type == "NoClientCert") {
    return m->KeyError(t.client_ca.empty() ? "client_ca_file" : "client_ca",
                       "is set but client_auth_type is NoClientCert; set client_auth_type "
                       "(e.g. RequireAndVerifyClientCert) or remove it");
  }
  if (!t.client_allowed_sans.empty() && t.client_auth_type != "RequireAnyClientCert" &&
      t.client_auth_type != "RequireAndVerifyClientCert") {
    w->warnings.push_back(
        At(m->PathOf("client_allowed_sans"), m->LineOfKey("client_allowed_sans")) +
        "with client_auth_type " + t.client_auth_type +
        " a client without a certificate is let in; only certificates that "
        "are presented are checked against it");
  }
  RaiseVersion(*m, "min_version", &t.min_version, &w->warnings);
  RaiseVersion(*m, "max_version", &t.max_version, &w->warnings);
  w->tls_enabled = true;
  return Status::Ok();
}

Status ParseHttpServerConfig(const MapReader& root, WebConfig* w) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("http_server_config", &m));
  if (!m) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"headers", "http2"};
  HERMES_RETURN_IF_ERROR(m->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(m->Bool("http2", &w->http2));
  std::optional<MapReader> h;
  HERMES_RETURN_IF_ERROR(m->Map("headers", &h));
  if (!h) return Status::Ok();
  for (const std::string& name : h->Keys()) {
    const auto known =
        std::find_if(std::begin(kHeaders), std::end(kHeaders),
                     [&](std::string_view k) { return boost::algorithm::iequals(k, name); });
    if (known == std::end(kHeaders)) {
      return h->KeyError(name,
                         "this header cannot be configured; allowed: "
                         "Content-Security-Policy, Strict-Transport-Security, "
                         "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection");
    }
    std::string value;
    HERMES_RETURN_IF_ERROR(h->NonEmptyString(name, &value));
    if (value.find_first_of("\r\n") != std::string::npos) {
      return h->KeyError(name, "header values must not contain line breaks");
    }
    if (*known == "X-Content-Type-Options" && !boost::algorithm::iequals(value, "nosniff")) {
      return h->KeyError(name, "must be nosniff, got \"" + value + "\"");
    }
    if (*known == "X-Frame-Options" && !boost::algorithm::iequals(value, "deny") &&
        !boost::algorithm::iequals(value, "sameorigin")) {
      return h->KeyError(name, "must be deny or sameorigin, got \"" + value + "\"");
    }
    w->headers[std::string(*known)] = std::move(value);
  }
  return Status::Ok();
}

Status ParseBasicAuth(const MapReader& root, WebConfig* w) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("basic_auth_users", &m));
  if (m) {
    for (const std::string& user : m->Keys()) {
      if (user.empty() || user.find(':') != std::string::npos) {
        return m->KeyError(user, "user names must be non-empty and must not contain ':'");
      }
      std::string hash;
      HERMES_RETURN_IF_ERROR(m->String(user, &hash));
      const bool bcrypt =
          hash.size() == 60 &&
          (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
      if (!bcrypt) {
        return m->KeyError(user,
                           "must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), "
                           "not a plain password; create one with htpasswd -nBC 10 \"\"");
      }
      w->basic_auth_users[user] = std::move(hash);
    }
  }
  return Status::Ok();
}

// Go's HTTP/2 server (on unless http2: false) refuses to start when TLS 1.2 may be
// negotiated and cipher_suites (as written) lacks the suite HTTP/2 requires; so
// does hermes, so that a web config behaves the same in both.
Status CheckHttp2Suites(const MapReader& tls, const WebConfig& w,
                        const std::vector<std::string>& written) {
  if (!w.tls_enabled || !w.http2 || written.empty() || w.tls.min_version == "TLS13") {
    return Status::Ok();
  }
  for (const auto& s : written) {
    if (s == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" ||
        s == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") {
      return Status::Ok();
    }
  }
  return tls.KeyError("cipher_suites",
                      "HTTP/2 (http_server_config.http2, default true) needs "
                      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 when TLS 1.2 is allowed; add one, "
                      "set min_version: TLS13 or http2: false (Go refuses this too)");
}

Status ParseRateLimit(const MapReader& root, WebConfig* w) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("rate_limit", &m));
  if (!m) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"interval", "burst"};
  HERMES_RETURN_IF_ERROR(m->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(m->Dur("interval", &w->rate_limit.interval));
  HERMES_RETURN_IF_ERROR(m->Int("burst", 0, 1 << 30, &w->rate_limit.burst));
  return Status::Ok();
}

}  // namespace

const char* OpenSslCipherName(std::string_view go_name) {
  for (const CipherName& c : kCiphers) {
    if (c.go == go_name) return c.openssl;
  }
  return nullptr;
}

Result<WebConfig> ParseWebConfig(std::string_view yaml, const std::string& base_dir) {
  auto doc = internal::LoadStrictYaml(yaml, kMaxConfigBytes);
  if (!doc.ok()) return doc.status();
  WebConfig w;
  if (doc->IsNull()) return w;
  auto root = MapReader::Make(*doc, "");
  if (!root.ok()) return root.status();
  static constexpr std::string_view kKeys[] = {"tls_server_config", "http_server_config",
                                               "basic_auth_users", "rate_limit"};
  HERMES_RETURN_IF_ERROR(root->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(ParseTlsServerConfig(*root, base_dir, &w));
  HERMES_RETURN_IF_ERROR(ParseHttpServerConfig(*root, &w));
  const std::vector<std::string> written_suites = w.tls.cipher_suites;
  std::optional<MapReader> tls;
  HERMES_RETURN_IF_ERROR(root->Map("tls_server_config", &tls));
  if (tls) HERMES_RETURN_IF_ERROR(FilterCipherSuites(*tls, &w.tls.cipher_suites, &w.warnings));
  if (tls) HERMES_RETURN_IF_ERROR(CheckHttp2Suites(*tls, w, written_suites));
  HERMES_RETURN_IF_ERROR(ParseBasicAuth(*root, &w));
  HERMES_RETURN_IF_ERROR(ParseRateLimit(*root, &w));
  return w;
}

Result<WebConfig> LoadWebConfigFile(const std::string& path) {
  auto text = internal::ReadFileLimited(path, kMaxConfigBytes);
  if (!text.ok()) return text.status().WithContext(path);
  auto web = ParseWebConfig(*text, internal::DirOf(path));
  if (!web.ok()) return web.status().WithContext(path);
  web->path = path;
  return web;
}

}  // namespace hermes::config
