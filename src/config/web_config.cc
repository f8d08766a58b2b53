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
  const char* openssl;
};
// AEAD suites with ECDHE key exchange (Mozilla "intermediate"), plus the TLS 1.3
// suites Go lists. Go spells ChaCha20 with and without the _SHA256 suffix.
constexpr CipherName kAllowedCiphers[] = {
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
};
// Suites Go knows that hermes refuses: CBC, RC4, 3DES or RSA key exchange.
constexpr std::string_view kRefusedCiphers[] = {"TLS_RSA_WITH_RC4_128_SHA",
                                                "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
                                                "TLS_RSA_WITH_AES_128_CBC_SHA",
                                                "TLS_RSA_WITH_AES_256_CBC_SHA",
                                                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                                                "TLS_RSA_WITH_AES_128_GCM_SHA256",
                                                "TLS_RSA_WITH_AES_256_GCM_SHA384",
                                                "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
                                                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                                                "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                                                "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
                                                "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                                                "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
                                                "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
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

Status CheckCipherSuites(const MapReader& m, const std::vector<std::string>& suites) {
  for (size_t i = 0; i < suites.size(); ++i) {
    if (OpenSslCipherName(suites[i]) != nullptr) continue;
    const std::string path = JoinIndex(m.PathOf("cipher_suites"), i);
    const int line = LineOf(m.Get("cipher_suites")[i]);
    const bool refused = std::find(std::begin(kRefusedCiphers), std::end(kRefusedCiphers),
                                   suites[i]) != std::end(kRefusedCiphers);
    return ErrorAt(path, line,
                   (refused ? "\"" + suites[i] + "\" is not an AEAD suite with ECDHE key exchange"
                            : "unknown cipher suite \"" + suites[i] + "\"") +
                       "; use TLS_ECDHE_{ECDSA,RSA}_WITH_{AES_128_GCM_SHA256,AES_256_GCM_SHA384,"
                       "CHACHA20_POLY1305_SHA256} or leave cipher_suites out");
  }
  return Status::Ok();
}

Status ParseTlsServerConfig(const MapReader& root, const std::string& base_dir, WebConfig* w) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("tls_server_config", &m));
  if (!m) return Status::Ok();
  for (auto [inline_key, file_key] : {std::pair{"cert", "cert_file"}, std::pair{"key", "key_file"},
                                      std::pair{"client_ca", "client_ca_file"}}) {
    if (m->Has(inline_key)) {
      return m->KeyError(inline_key, std::string("inline PEM is not supported; write it to a "
                                                 "file and set ") +
                                         file_key);
    }
  }
  static constexpr std::string_view kKeys[] = {
      "cert_file",           "key_file",
      "client_auth_type",    "client_ca_file",
      "client_allowed_sans", "min_version",
      "max_version",         "cipher_suites",
      "curve_preferences",   "prefer_server_cipher_suites"};
  HERMES_RETURN_IF_ERROR(m->CheckKeys(kKeys));
  TlsServerConfig& t = w->tls;
  HERMES_RETURN_IF_ERROR(m->FilePath("cert_file", base_dir, &t.cert_file));
  HERMES_RETURN_IF_ERROR(m->FilePath("key_file", base_dir, &t.key_file));
  HERMES_RETURN_IF_ERROR(m->Enum("client_auth_type", kClientAuthTypes, &t.client_auth_type));
  if (t.client_auth_type == "RequireClientCert") t.client_auth_type = "RequireAnyClientCert";
  HERMES_RETURN_IF_ERROR(m->FilePath("client_ca_file", base_dir, &t.client_ca_file));
  HERMES_RETURN_IF_ERROR(m->StringList("client_allowed_sans", &t.client_allowed_sans));
  HERMES_RETURN_IF_ERROR(m->Enum("min_version", kTlsVersions, &t.min_version));
  HERMES_RETURN_IF_ERROR(m->Enum("max_version", kTlsVersions, &t.max_version));
  HERMES_RETURN_IF_ERROR(m->StringList("cipher_suites", &t.cipher_suites));
  HERMES_RETURN_IF_ERROR(CheckCipherSuites(*m, t.cipher_suites));
  HERMES_RETURN_IF_ERROR(m->StringList("curve_preferences", &t.curve_preferences));
  for (size_t i = 0; i < t.curve_preferences.size(); ++i) {
    HERMES_RETURN_IF_ERROR(internal::CheckOneOf(t.curve_preferences[i], kCurves,
                                                JoinIndex(m->PathOf("curve_preferences"), i),
                                                LineOf(m->Get("curve_preferences")[i])));
  }
  HERMES_RETURN_IF_ERROR(m->Bool("prefer_server_cipher_suites", &t.prefer_server_cipher_suites));

  // Version names sort in protocol order.
  if (t.min_version > t.max_version) {
    return m->KeyError("min_version",
                       "min_version " + t.min_version + " is above max_version " + t.max_version);
  }
  // Like exporter-toolkit: these keys switch TLS on, and then a certificate is needed.
  const bool wants_tls = m->Has("cert_file") || m->Has("key_file") || m->Has("client_ca_file") ||
                         m->Has("client_auth_type");
  if (wants_tls && (t.cert_file.empty() || t.key_file.empty())) {
    return m->Error(std::string(t.cert_file.empty() ? "cert_file" : "key_file") +
                    " is missing; TLS needs both cert_file and key_file");
  }
  const bool verifies = t.client_auth_type == "VerifyClientCertIfGiven" ||
                        t.client_auth_type == "RequireAndVerifyClientCert";
  if (verifies && t.client_ca_file.empty()) {
    return m->KeyError("client_auth_type", t.client_auth_type +
                                               " needs client_ca_file to verify client "
                                               "certificates against");
  }
  if (!t.client_ca_file.empty() && t.client_auth_type == "NoClientCert") {
    return m->KeyError("client_ca_file",
                       "is set but client_auth_type is NoClientCert; set client_auth_type "
                       "(e.g. RequireAndVerifyClientCert) or remove client_ca_file");
  }
  if (!t.client_allowed_sans.empty() && t.client_auth_type != "RequireAnyClientCert" &&
      t.client_auth_type != "RequireAndVerifyClientCert") {
    return m->KeyError("client_allowed_sans",
                       "needs client_auth_type RequireAnyClientCert or "
                       "RequireAndVerifyClientCert, got " +
                           t.client_auth_type);
  }
  w->tls_enabled = !t.cert_file.empty();
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
  std::vector<std::string> excluded;
  HERMES_RETURN_IF_ERROR(root.StringList("basic_auth_excluded_paths", &excluded));
  for (size_t i = 0; i < excluded.size(); ++i) {
    if (excluded[i] != "/-/healthy" && excluded[i] != "/-/ready") {
      return ErrorAt(JoinIndex(root.PathOf("basic_auth_excluded_paths"), i),
                     LineOf(root.Get("basic_auth_excluded_paths")[i]),
                     "hermes only leaves /-/healthy and /-/ready unauthenticated, got \"" +
                         excluded[i] + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

const char* OpenSslCipherName(std::string_view go_name) {
  for (const CipherName& c : kAllowedCiphers) {
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
  if (root->Has("rate_limit")) {
    return root->KeyError("rate_limit",
                          "not supported: hermes rate-limits failed authentication itself; "
                          "remove it");
  }
  static constexpr std::string_view kKeys[] = {"tls_server_config", "http_server_config",
                                               "basic_auth_users", "basic_auth_excluded_paths"};
  HERMES_RETURN_IF_ERROR(root->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(ParseTlsServerConfig(*root, base_dir, &w));
  HERMES_RETURN_IF_ERROR(ParseHttpServerConfig(*root, &w));
  HERMES_RETURN_IF_ERROR(ParseBasicAuth(*root, &w));
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
