// Fuzzes the web config (exporter-toolkit format): config::ParseWebConfig() on
// arbitrary bytes must return a value or an error, never crash, leak or hang. What
// it accepts must be internally consistent (accepted cipher suites map to OpenSSL
// names, bcrypt-shaped hashes only, relative paths resolved).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/web_config.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto web = hermes::config::ParseWebConfig(text, "/tmp");
  if (!web.ok()) return 0;
  for (const auto& suite : web->tls.cipher_suites) {
    FUZZ_CHECK(hermes::config::OpenSslCipherName(suite) != nullptr,
               "accepted cipher suite without OpenSSL name: %s", suite.c_str());
  }
  for (const auto& [user, hash] : web->basic_auth_users) {
    FUZZ_CHECK(hash.size() == 60 && hash[0] == '$' && hash[1] == '2',
               "accepted non-bcrypt hash for user %s", user.c_str());
  }
  for (const std::string* f : {&web->tls.cert_file, &web->tls.key_file, &web->tls.client_ca_file}) {
    FUZZ_CHECK(f->empty() || (*f)[0] == '/', "path not resolved against base dir: %s", f->c_str());
  }
  if (web->tls_enabled) {
    FUZZ_CHECK(!web->tls.cert_file.empty() && !web->tls.key_file.empty(),
               "tls enabled without cert and key");
  }
  return 0;
}
