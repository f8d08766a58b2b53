// DecideHead: what the listener does with a request head before it reads any body
// byte, decided from the parsed head alone (no sockets): 431 for oversized heads
// or too many fields, 400 for malformed ones, nothing at all when the client went
// away; 501 for a Transfer-Encoding other than one "chunked", 400 for an HTTP/1.1
// request without exactly one Host or with two Authorization headers (all of
// these close the connection); then the Router's 404 / 405 / 411 / 413, 429
// (rate_limit) and 401 / 429, or go on to the route. session.cc acts on the
// decision; the request fuzzer checks it.
//
// Stateless; safe to call from any thread (the Router is).
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

#include "server/http.h"
#include "server/http_server.h"
#include "server/router.h"

namespace hermes::server {

// The listener's parser: bodies are read (and discarded) piecewise into a buffer.
using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

struct HeadDecision {
  enum class Kind {
    kAbort,    // closed, timed out or an I/O error: nobody to answer, reset the connection
    kReply,    // send `reply` instead of running the route; no body byte is read
    kProceed,  // `route` accepts the head (and its credentials): read the body, run it
  };
  Kind kind = Kind::kAbort;
  // Once the head parsed within limits: method, path, query, headers, client_ip
  // and tls. Otherwise only client_ip.
  HttpRequest request;
  // Router::Find(request.path); nullptr for an unknown path or when the head did
  // not get that far. Points into the Router. kProceed: never nullptr.
  const Route* route = nullptr;
  bool has_body = false;     // chunked, or a Content-Length above 0
  bool keep_alive = false;   // what the client asked for (HTTP version, Connection)
  HttpResponse reply;        // kReply only
  bool close_after = false;  // kReply: close after answering (an unread body may follow)
};

// `parser` and `ec` are the outcome of reading the head (http::async_read_header);
// the parser is only looked at when `ec` is clear. `client_ip` and `tls` describe
// the connection. Rejections by the Router close the connection exactly when the
// request has a body, since it was not read.
HeadDecision DecideHead(const RequestParser& parser, boost::beast::error_code ec,
                        const ServerLimits& limits, const Router& router,
                        const std::string& client_ip, bool tls);

}  // namespace hermes::server
