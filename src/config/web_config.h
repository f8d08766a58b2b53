// Web configuration in the exporter-toolkit format (the --web.config.file that
// node_exporter and blackbox_exporter accept), parsed strictly: unknown keys are
// errors and relative paths resolve against the file's directory. Error messages
// have the same "<key path> (line N): ..." form as hermes.yml.
//
// Differences from exporter-toolkit, each an error with a clear message: inline
// PEM (cert, key, client_ca) and rate_limit are not supported, cipher_suites must
// be AEAD ECDHE suites, basic_auth_excluded_paths may only list /-/healthy and
// /-/ready (which hermes never protects anyway). An empty file is valid: plain
// HTTP, no basic auth.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace hermes::config {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_auth_type = "NoClientCert";  // NoClientCert RequestClientCert
                                                  // RequireAnyClientCert
                                                  // VerifyClientCertIfGiven
                                                  // RequireAndVerifyClientCert
  std::string client_ca_file;
  std::vector<std::string> client_allowed_sans;
  std::string min_version = "TLS12";  // TLS10..TLS13 accepted; the listener floors at TLS12
  std::string max_version = "TLS13";
  // Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; empty: the listener default.
  // OpenSslCipherName() maps them.
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;  // CurveP256 CurveP384 CurveP521 X25519
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  bool tls_enabled = false;  // true when tls_server_config has a certificate
  TlsServerConfig tls;
  std::map<std::string, std::string> headers;  // http_server_config.headers, canonical names
  bool http2 = true;  // http_server_config.http2: accepted and ignored (HTTP/1.1 only)
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::string path;                                     // the file it came from, for messages
};

// Parses web-config YAML; relative paths resolve against `base_dir` (unchanged when
// it is empty). Errors have no file prefix.
Result<WebConfig> ParseWebConfig(std::string_view yaml, const std::string& base_dir);
// Reads `path` (at most kMaxConfigBytes), resolves paths against its directory and
// sets WebConfig::path. Errors are prefixed with "<path>: ".
Result<WebConfig> LoadWebConfigFile(const std::string& path);

// OpenSSL name for a Go cipher suite name that ParseWebConfig accepts, nullptr
// otherwise. TLS 1.2 suites map to names for SSL_CTX_set_cipher_list
// ("ECDHE-RSA-AES128-GCM-SHA256"); TLS 1.3 suites ("TLS_AES_128_GCM_SHA256") keep
// their name and belong in SSL_CTX_set_ciphersuites.
const char* OpenSslCipherName(std::string_view go_name);

}  // namespace hermes::config
