// Checks of the files a TLS client configuration names, so that a wrong file is a
// configuration error at load (`--config.check`, start, reload) instead of a `tls`
// failure at every run.
#pragma once

#include "common/status.h"
#include "net/curl_easy.h"

namespace hermes::net {

// ca_file: at least one PEM certificate; cert_file: a PEM certificate; key_file: a
// PEM private key (unencrypted). Unset files are not checked. Errors name the key
// and the file.
Status CheckTlsFiles(const TlsOptions& tls);

}  // namespace hermes::net
