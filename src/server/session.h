// Internal to src/server: the state every connection shares, and the entry point
// that takes over an accepted, admitted connection. Only http_server.cc and
// session.cc include this header (it pulls in Asio).
//
// A session serves HTTP/1.1 requests on one connection until the client closes
// it, a deadline passes, a limit is hit or the io_context is destroyed:
//   [TLS handshake] -> wait for a request (idle_timeout) -> read the head
//   (head_deadline, header limits) -> route/method/body rules -> auth -> bounded
//   body read (accepting routes only) -> handler -> [delay] -> write -> repeat.
// Handlers of one connection run one at a time on that connection's strand.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/connection_limiter.h"
#include "server/http_server.h"
#include "server/router.h"

namespace hermes::server {

// Immutable after Start() except for the limiter (internally synchronised).
struct ServerCore {
  ServerLimits limits;
  Http2Options http2;
  std::map<std::string, std::string> extra_headers;  // http_server_config.headers
  Router router;
  ConnectionLimiter limiter;
  ServerObserver* observer = nullptr;  // nullable
  // Incompressible pseudo-random bytes that every streamed body repeats; shared by
  // all connections and never copied.
  std::vector<char> stream_chunk;
};

// Serves `socket`, the connection from `client_ip`, once core.limiter admits it
// (refused: closed at once, with a 503 on plain HTTP); the session marks it
// established and pending as it goes and releases it when it ends. `tls_ctx` is null for plain
// HTTP; otherwise the session holds a reference to it for its whole life.
void StartSession(ServerCore& core, boost::asio::ip::tcp::socket socket, std::string client_ip,
                  SSL_CTX* tls_ctx);

}  // namespace hermes::server
