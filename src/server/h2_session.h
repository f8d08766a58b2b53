// Internal to src/server: the Asio driver of an HTTP/2 connection. session.cc
// hands a TLS connection over after a handshake that selected ALPN "h2"; the
// H2Session then owns the stream, the TLS context reference and the connection
// slot (released when it ends). Protocol, limits and deadlines live in
// H2Connection; this file only moves bytes and runs one timer.
//
// Writes follow the draft-ietf-ippm-responsiveness advice on server-side
// buffering: TCP_NOTSENT_LOWAT and the size of each write track about 5 ms of
// the connection's measured sending rate, so a response on a loaded connection
// (an RPM self probe) does not queue behind seconds of bulk data in the server.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "server/session.h"

namespace hermes::server {

using H2TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// `stream` has completed its handshake with "h2"; `tls_ctx` is the context it
// was made from (kept alive for the connection's life). `limiter_id` is the
// connection's established slot in core.limiter, released when the session ends.
void StartH2Session(ServerCore& core, H2TlsStream stream,
                    std::unique_ptr<boost::asio::ssl::context> tls_ctx, std::string client_ip,
                    uint64_t limiter_id);

}  // namespace hermes::server
