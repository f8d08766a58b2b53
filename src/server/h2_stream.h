// Internal to src/server: one HTTP/2 stream (= one request) of an H2Connection.
// Only h2_connection.cc and h2_response.cc include this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "server/h2_connection.h"
#include "server/http.h"
#include "server/router.h"

namespace hermes::server {

struct H2Connection::Stream {
  enum class State {
    kHead,        // header block arriving (head_deadline from `opened`)
    kBody,        // head accepted, request body arriving (body_timeout from `body_start`)
    kDelayed,     // response waits for `due` (HttpResponse::delay)
    kResponding,  // response submitted, body going out (write_timeout from `last_progress`)
    kDone,        // response complete; the client's side may still be open
    kClosing,     // RST_STREAM submitted
  };

  explicit Stream(int32_t stream_id, TimePoint now) : id(stream_id), opened(now) {}

  const int32_t id;
  State state = State::kHead;
  const TimePoint opened;
  HttpRequest request;
  size_t header_bytes = 0;  // RFC 9113 size of the block(s) so far
  int header_count = 0;
  bool too_large = false;  // over max_header_bytes / max_headers: answer 431
  std::optional<uint64_t> content_length;
  const Route* route = nullptr;
  TimePoint body_start;
  TimePoint due;
  HttpResponse pending;  // kDelayed: the response to submit at `due`
  // Submitted response.
  int status = 0;  // 0: nothing submitted
  std::string body;
  size_t body_sent = 0;
  bool streamed = false;  // body from ServerCore::stream_chunk
  uint64_t stream_bytes = 0;
  uint64_t stream_sent = 0;
  bool reset_at_end = false;  // TEST-ONLY reset_after: RST_STREAM after stream_bytes
  bool stall = false;         // TEST-ONLY stall: headers, then never the body
  TimePoint last_progress;
  bool reset_after_response = false;  // a rejected request whose body was not read
  bool body_unwanted = false;         // the route takes no body: DATA resets the stream
};

}  // namespace hermes::server
