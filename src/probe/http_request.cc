#include "probe/http_request.h"

namespace hermes::probe {

Result<net::RequestOptions> RequestOptionsFor(const config::HttpTarget& target) {
  net::RequestOptions opts;
  if (const auto& t = target.tls_config) {
    opts.tls = net::TlsOptions{
        t->ca_file,    t->cert_file, t->key_file, t->server_name, t->insecure_skip_verify,
        t->min_version};
  }
  opts.headers = target.headers;
  if (!target.bearer_token_file.empty()) {
    auto token = net::ReadBearerToken(target.bearer_token_file);
    if (!token.ok()) return token.status();
    opts.bearer_token = std::move(token).value();
  }
  return opts;
}

}  // namespace hermes::probe
