// Web configuration in the exporter-toolkit format (the --web.config.file that
// node_exporter and blackbox_exporter accept), parsed strictly: unknown keys are
// errors and relative paths resolve against the file's directory. Error messages
// have the same "<key path> (line N): ..." form as hermes.yml.
//
// Everything current exporter-toolkit accepts is accepted. Where hermes is
// stricter on security it starts anyway and says what it does instead in
// WebConfig::warnings: TLS 1.0/1.1 versions are raised to TLS 1.2, cipher suites
// that are not AEAD with ECDHE key exchange (CBC, RSA key exchange) are not offered,
// client_allowed_sans with a client_auth_type that lets clients without a
// certificate in applies only to clients that present one. Refused although
// exporter-toolkit starts: inline cert/key/client_ca together with the matching
// *_file (exporter-toolkit silently prefers the file), min_version above
// max_version (no handshake could succeed), a negative rate_limit.burst. Refused
// like exporter-toolkit: unknown keys (basic_auth_excluded_paths among them), Go's
// insecure cipher suites, an http2 server whose TLS 1.2 cipher_suites lack
// TLS_ECDHE_{RSA,ECDSA}_WITH_AES_128_GCM_SHA256. An empty file is valid: plain
// HTTP, no basic auth.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace hermes::config {

struct TlsServerConfig {
  // The certificate chain and key, each from a file or inline PEM (cert, key);
  // exactly one of each pair is set when TLS is on.
  std::string cert_file;
  std::string key_file;
  std::string cert;                               // inline PEM
  std::string key;                                // inline PEM
  std::string client_auth_type = "NoClientCert";  // NoClientCert RequestClientCert
                                                  // RequireAnyClientCert
                                                  // VerifyClientCertIfGiven
                                                  // RequireAndVerifyClientCert
  // Client CAs from a file or inline PEM (client_ca); neither: the system roots
  // verify client certificates (as Go does).
  std::string client_ca_file;
  std::string client_ca;
  std::vector<std::string> client_allowed_sans;
  std::string min_version = "TLS12";  // TLS12 or TLS13 (lower versions are raised)
  std::string max_version = "TLS13";
  // Go names of the suites hermes offers, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  // (others are dropped with a warning); empty: the listener default.
  // OpenSslCipherName() maps them.
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;  // CurveP256 CurveP384 CurveP521 X25519
  bool prefer_server_cipher_suites = true;
};

// rate_limit: a token bucket over all requests to protected routes (burst
// tokens, one more every interval), as golang.org/x/time/rate; interval 0: off.
struct RateLimitConfig {
  std::chrono::nanoseconds interval{0};
  int burst = 0;
};

struct WebConfig {
  bool tls_enabled = false;  // true when tls_server_config has a certificate
  TlsServerConfig tls;
  std::map<std::string, std::string> headers;  // http_server_config.headers, canonical names
  bool http2 = true;  // http_server_config.http2: accepted and ignored (HTTP/1.1 only)
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  RateLimitConfig rate_limit;
  std::string path;  // the file it came from, for messages
  // What hermes does differently from what the file asks ("<key path> (line N): ..."),
  // to be logged as warnings by whoever starts a listener with it.
  std::vector<std::string> warnings;
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
