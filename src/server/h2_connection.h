// H2Connection: the HTTP/2 protocol state of one server connection on libnghttp2,
// without sockets. The driver (h2_session.cc) feeds it the bytes it reads, writes
// the bytes it produces and calls OnTimer() at NextDeadline(); tests drive it from
// bytes alone.
//
// Each stream is one request, decided by the same Router as HTTP/1.1 (404, 405,
// 413, then 401/429 auth, then the handler) and answered through PlanResponse:
// streamed bodies come from ServerCore::stream_chunk and are never buffered.
// Request bodies are counted and dropped as they arrive, so the flow-control
// windows cost no memory.
//
// Limits (ServerLimits, Http2Options):
//  - header block: max_header_bytes (RFC 9113 size, name + value + 32) and
//    max_headers per request -> 431; past 4 x max_header_bytes, past
//    max_continuations CONTINUATION frames, or not complete within head_deadline
//    -> the connection ends (GOAWAY).
//  - streams: max_concurrent_streams (nghttp2 refuses more); a token bucket on
//    the client's RST_STREAM frames (rapid reset) -> GOAWAY ENHANCE_YOUR_CALM;
//    PING/SETTINGS floods hit nghttp2's outbound-ack limit -> the session ends.
//  - bodies: route.max_body_bytes -> 413 and RST_STREAM; a body not complete
//    within body_timeout -> RST_STREAM(CANCEL).
//  - responses: no body progress for write_timeout (a client that never opens
//    its window, the stall fault) -> RST_STREAM(CANCEL).
//  - idle: no open stream for idle_timeout once a request passed auth
//    (head_deadline before) -> GOAWAY.
//
// Not thread-safe: one strand drives it.
#pragma once

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/session.h"

namespace hermes::server {

class H2Connection {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `core` must outlive the connection.
  H2Connection(ServerCore& core, std::string client_ip, TimePoint now);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Queues the server's SETTINGS and window. Call once, first.
  Status Start();
  // Feeds bytes read from the client. An error means the connection is over
  // (a protocol error or a limit): write what Produce() still yields, then close.
  Status Receive(const uint8_t* data, size_t n, TimePoint now);
  // Appends frames to `out` until it holds at least `max` bytes or nothing is left;
  // DATA frames are cut to fit, so `out` exceeds `max` by at most a frame header
  // or a HEADERS/control frame.
  void Produce(std::string& out, size_t max, TimePoint now);
  // Both directions are done (GOAWAY sent or received, or a fatal error).
  bool Finished() const;
  // When OnTimer() must run next; TimePoint::max() for never.
  TimePoint NextDeadline() const;
  // Sends due delayed responses and enforces the deadlines above.
  void OnTimer(TimePoint now);

  size_t OpenStreams() const { return streams_.size(); }

 private:
  struct Stream;
  friend struct H2Callbacks;
  friend struct H2BodySource;

  Stream* Find(int32_t id) const;
  void OnHead(Stream& s, bool end_stream);
  void OnBodyDone(Stream& s);
  void RunHandler(Stream& s);
  void Reply(Stream& s, HttpResponse response);
  void Submit(Stream& s, HttpResponse response);
  void Reset(Stream& s, uint32_t error_code);
  void Fatal(uint32_t error_code);
  void OnClientReset();
  void Record(const Stream& s);

  ServerCore& core_;
  const std::string ip_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  TimePoint now_;
  size_t produce_room_ = 0;     // bytes Produce() may still append (DataLength)
  TimePoint idle_since_;        // when the last stream closed (or the connection opened)
  bool authenticated_ = false;  // a request on this connection passed auth
  bool fatal_ = false;
  double reset_tokens_;  // RST_STREAM budget (Http2Options reset_burst / reset_rate)
  TimePoint reset_refill_;
};

}  // namespace hermes::server
