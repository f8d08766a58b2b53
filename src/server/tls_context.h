// TLS server contexts for the listener: builds an OpenSSL SSL_CTX from the web
// config's tls_server_config (certificate, key and client CAs from files or inline
// PEM) and re-reads the files when they change.
//
// Policy: TLS 1.2-1.3 only (a lower min_version is raised to TLS 1.2); TLS 1.2
// suites are the Mozilla "intermediate" AEAD ECDHE suites (or the configured
// subset of them, mapped by config::OpenSslCipherName; other names are rejected); server cipher
// preference, no compression, no renegotiation. client_auth_type follows Go's crypto/tls
// (without a client CA, the system roots verify client certificates);
// client_allowed_sans must match one SAN (DNS, IP, email or URI) of the client's
// leaf certificate.
//
// Reload: Current() compares the files' (inode, size, mtime) at most once per
// `check_interval` and, when they changed, builds a fresh SSL_CTX. New handshakes
// use the new context; established connections keep the one they started with
// (each SSL holds a reference). A context that fails to build is not installed:
// the previous one stays in use and the error is kept in LastReloadError().
//
// Thread-safety: Current() and LastReloadError() may be called concurrently.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "config/web_config.h"

namespace hermes::server {

using SslCtxPtr = std::shared_ptr<SSL_CTX>;

// Builds a server context from `cfg`. Errors name the offending key and file.
// ALPN offers "h2" (before "http/1.1") when `offer_h2`.
Result<SslCtxPtr> BuildServerTlsContext(const config::TlsServerConfig& cfg, bool offer_h2 = false);

// True when one of the certificate's subjectAltNames equals one of `allowed`
// (DNS names and emails case-insensitively, IP addresses by value, URIs exactly).
bool CertificateSanAllowed(X509* cert, const std::vector<std::string>& allowed);

class TlsContextProvider {
 public:
  static Result<std::unique_ptr<TlsContextProvider>> Create(
      config::TlsServerConfig cfg, std::chrono::milliseconds check_interval, bool offer_h2 = false);

  // The context for a new handshake (never null).
  SslCtxPtr Current() HERMES_EXCLUDES(mu_);
  // Message of the last failed reload, "" when the last attempt succeeded.
  std::string LastReloadError() const HERMES_EXCLUDES(mu_);

 private:
  struct FileStamp {
    unsigned long long inode = 0, size = 0;
    long long mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  TlsContextProvider(config::TlsServerConfig cfg, std::chrono::milliseconds check_interval,
                     bool offer_h2);
  std::vector<FileStamp> StampFiles() const;

  const config::TlsServerConfig cfg_;
  const std::chrono::milliseconds check_interval_;
  const bool offer_h2_;
  mutable Mutex mu_;
  SslCtxPtr current_ HERMES_GUARDED_BY(mu_);
  std::vector<FileStamp> stamps_ HERMES_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point next_check_ HERMES_GUARDED_BY(mu_);
  std::string last_error_ HERMES_GUARDED_BY(mu_);
};

}  // namespace hermes::server
