#include "net/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>

namespace hermes::net {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};

enum class Pem { kCertificate, kPrivateKey };

Status CheckPem(const char* key, const std::string& path, Pem what) {
  if (path.empty()) return Status::Ok();
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    return Status::Invalid(std::string("tls_config.") + key + ": cannot read " + path);
  }
  bool ok = false;
  if (what == Pem::kCertificate) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    ok = cert != nullptr;
    X509_free(cert);
  } else {
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    ok = pkey != nullptr;
    EVP_PKEY_free(pkey);
  }
  ERR_clear_error();
  if (ok) return Status::Ok();
  return Status::Invalid(std::string("tls_config.") + key + ": " + path + " holds no PEM " +
                         (what == Pem::kCertificate ? "certificate" : "private key (unencrypted)"));
}

}  // namespace

Status CheckTlsFiles(const TlsOptions& tls) {
  HERMES_RETURN_IF_ERROR(CheckPem("ca_file", tls.ca_file, Pem::kCertificate));
  HERMES_RETURN_IF_ERROR(CheckPem("cert_file", tls.cert_file, Pem::kCertificate));
  return CheckPem("key_file", tls.key_file, Pem::kPrivateKey);
}

}  // namespace hermes::net
