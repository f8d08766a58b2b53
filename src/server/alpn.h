// ALPN for the listener's TLS contexts: which application protocol a TLS client
// and the server agree on. HTTP/1.1 is always offered; "h2" only where the server
// enables HTTP/2 (hermes-target). A client that offers neither still gets
// HTTP/1.1 (no ALPN in the ServerHello), as before ALPN existed.
//
// Stateless; safe from any thread.
#pragma once

#include <openssl/ssl.h>

namespace hermes::server {

// Installs the ALPN selection callback on `ctx`; with `offer_h2`, "h2" wins over
// "http/1.1" when the client offers both.
void SetAlpn(SSL_CTX* ctx, bool offer_h2);

// True when the handshake on `ssl` selected "h2".
bool NegotiatedH2(const SSL* ssl);

}  // namespace hermes::server
