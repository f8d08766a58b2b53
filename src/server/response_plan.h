// ResponsePlan: what goes on the wire for a handler's HttpResponse, decided from
// values alone (no sockets): header list, the (possibly gzipped) body, the
// Content-Length, how many streamed bytes to send and whether the connection must
// close afterwards. HEAD keeps every header, including Content-Length, and drops
// the body.
//
// Stateless; safe to call from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "server/http.h"

namespace hermes::server {

struct ResponsePlan {
  std::vector<std::pair<std::string, std::string>> headers;  // without Content-Length
  std::string body;             // empty for HEAD and streamed responses
  uint64_t content_length = 0;  // what the Content-Length header says
  uint64_t stream_bytes = 0;    // streamed body bytes to actually send
  bool reset = false;           // TEST-ONLY: abort (RST) after stream_bytes
  bool close = false;           // the connection cannot be reused afterwards
};

// `extra_headers` (http_server_config.headers) come first, then the handler's.
// The response's body is moved into the plan (no copy of a large /metrics page).
ResponsePlan PlanResponse(HttpResponse& response, const HttpRequest& request,
                          const std::map<std::string, std::string>& extra_headers);

}  // namespace hermes::server
