// HttpServer: the hardened HTTP/1.1 (+TLS) listener on Boost.Beast/Asio.
//
// Every limit is enforced before authentication and before any body is read:
// request-head size and header count, a total deadline for receiving a request
// head, an idle keep-alive timeout, connection caps (total, and per client IP for
// connections that sent a request head; a newcomer at the total cap replaces a
// connection that has not, see connection_limiter.h), method and body rules.
// TLS uses the web config's tls_server_config (TLS 1.2-1.3, Mozilla intermediate
// AEAD ECDHE suites only); the certificate and key are re-read when their files
// change, without dropping established connections.
//
// Threads: Run() drives `io_threads` named threads ("hermes-http-N"). Handlers run
// on those threads and must be quick and non-blocking; slow work (delays, big
// bodies) goes through HttpResponse::delay / stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/web_config.h"
#include "server/auth.h"
#include "server/http.h"

namespace hermes::server {

struct ServerLimits {
  size_t max_header_bytes = 8 * 1024;
  int max_headers = 64;
  std::chrono::milliseconds head_deadline{5000};   // total time to receive a request head
  std::chrono::milliseconds idle_timeout{120000};  // keep-alive between requests
  std::chrono::milliseconds write_timeout{60000};  // per response (streamed: per chunk progress)
  // Open connections, and established ones per client IP (serving a request or
  // idle after an authenticated one); see connection_limiter.h.
  int max_connections = 64;
  int max_connections_per_ip = 8;
  // Request bodies (routes with max_body_bytes > 0): time allowed to receive the
  // whole body once the head is in.
  std::chrono::milliseconds body_timeout{60000};
};

// HTTP/2 over TLS (ALPN "h2"; HTTP/1.1 stays available on the same port). Off by
// default: hermes-target enables it for RPM clients. The HTTP/1.1 limits above
// apply per stream where they have a meaning (header bytes and count, head,
// idle, body and write deadlines, route and auth rules); these are the HTTP/2
// ones. See server/h2_connection.h.
struct Http2Options {
  bool enabled = false;
  uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  // Flow-control windows granted to the client. They bound the bytes in flight on
  // the path, not server memory: request bodies are counted and dropped as they
  // arrive. 16 MiB per stream carries 10 Gbit/s at 13 ms RTT on one stream.
  uint32_t stream_window = 16u << 20;      // SETTINGS_INITIAL_WINDOW_SIZE
  uint32_t connection_window = 64u << 20;  // connection-level window
  // RST_STREAM frames a client may send: a token bucket (burst, refill per second);
  // past it the connection ends with GOAWAY (HTTP/2 rapid reset, CVE-2023-44487).
  uint32_t reset_burst = 200;
  uint32_t reset_rate = 50;
  // CONTINUATION frames allowed after one HEADERS frame (CVE-2024-27316 class).
  uint32_t max_continuations = 8;
};

// Callbacks for self-metrics; the app wires them to metrics. All may be called
// concurrently from listener threads. Label values are from closed sets.
class ServerObserver {
 public:
  virtual ~ServerObserver() = default;
  virtual void OnRequest(const std::string& handler_label, int code, double seconds) = 0;
  virtual void OnAuthFailure(AuthFailure reason) = 0;
  virtual void OnConnectionsChanged(int open) = 0;
  virtual void OnConnectionRejected(ConnectionRejectReason reason) = 0;
};

struct ServerOptions {
  std::vector<std::string> listen_addresses;  // ":10516", "127.0.0.1:0", "[::1]:10516"
  config::WebConfig web;                      // TLS, headers, basic auth
  ServerLimits limits;
  Http2Options http2;
  int io_threads = 1;
  // Written into WWW-Authenticate: Bearer realm="...".
  std::string realm = "hermes";
  // Retry-After of a 429 (rate-limited authentication failures).
  std::chrono::seconds auth_retry_after{60};
  // How often the TLS certificate, key and client CA files are checked for changes.
  std::chrono::milliseconds tls_reload_interval{1000};
};

class HttpServer {
 public:
  // `auth` (nullable: no auth) and `observer` (nullable) must outlive the server.
  HttpServer(ServerOptions options, std::vector<Route> routes, Authenticator* auth,
             ServerObserver* observer);
  ~HttpServer();

  // Loads TLS material and binds every listen address. Errors name the address or
  // file (exit code 2 territory).
  Status Start();
  // Ports actually bound, in listen_addresses order (useful with port 0).
  std::vector<uint16_t> BoundPorts() const;
  // Starts the io threads; returns immediately.
  void Run();
  // Closes listeners, cancels connections, joins threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::server
