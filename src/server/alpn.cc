#include "server/alpn.h"

#include <cstring>

namespace hermes::server {
namespace {

// Wire format: length-prefixed names, in the server's order of preference.
constexpr unsigned char kH2AndHttp11[] = "\x02h2\x08http/1.1";
constexpr unsigned char kHttp11[] = "\x08http/1.1";

int SelectProtocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                   unsigned int inlen, void* arg) {
  const auto* server = static_cast<const unsigned char*>(arg);
  const unsigned int server_len =
      server == kH2AndHttp11 ? sizeof(kH2AndHttp11) - 1 : sizeof(kHttp11) - 1;
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, server, server_len, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no common protocol: carry on without ALPN (HTTP/1.1)
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void SetAlpn(SSL_CTX* ctx, bool offer_h2) {
  SSL_CTX_set_alpn_select_cb(ctx, SelectProtocol,
                             const_cast<unsigned char*>(offer_h2 ? kH2AndHttp11 : kHttp11));
}

bool NegotiatedH2(const SSL* ssl) {
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  return len == 2 && std::memcmp(proto, "h2", 2) == 0;
}

}  // namespace hermes::server
