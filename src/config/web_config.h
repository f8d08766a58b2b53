// Web configuration in the exporter-toolkit format (the --web.config.file that
// node_exporter and blackbox_exporter accept), parsed strictly: unknown keys are
// errors and relative paths resolve against the file's directory.
#pragma once

#include <map>
#include <string>
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
  std::string min_version = "TLS12";  // TLS10..TLS13 accepted syntax; hermes floors at TLS12
  std::string max_version = "TLS13";
  std::vector<std::string> cipher_suites;      // Go names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  std::vector<std::string> curve_preferences;  // CurveP256 CurveP384 CurveP521 X25519
  bool prefer_server_cipher_suites = true;
};

struct WebConfig {
  bool tls_enabled = false;  // true when tls_server_config has a certificate
  TlsServerConfig tls;
  std::map<std::string, std::string> headers;          // http_server_config.headers
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::string path;  // the file it came from, for messages
};

Result<WebConfig> ParseWebConfig(std::string_view yaml, const std::string& base_dir);
Result<WebConfig> LoadWebConfigFile(const std::string& path);

}  // namespace hermes::config
