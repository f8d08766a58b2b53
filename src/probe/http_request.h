// Maps a probe's HTTP target config (config::HttpTarget) onto net::RequestOptions:
// TLS settings, headers and the bearer token, read from its file now (the file is
// re-read at every run so that rotated tokens are picked up).
#pragma once

#include "common/status.h"
#include "config/http_target.h"
#include "net/curl_easy.h"

namespace hermes::probe {

Result<net::RequestOptions> RequestOptionsFor(const config::HttpTarget& target);

}  // namespace hermes::probe
