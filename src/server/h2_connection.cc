#include "server/h2_connection.h"

#include <algorithm>
#include <array>

#include "common/parse_number.h"
#include "server/h2_stream.h"

namespace hermes::server {

// A header block may run over max_header_bytes (it is answered with 431); past
// this many times that, decoding it is a waste and the connection ends.
constexpr size_t kHeaderHardLimitFactor = 4;

struct H2Callbacks {
  static H2Connection& Conn(void* user_data) { return *static_cast<H2Connection*>(user_data); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    H2Connection& c = Conn(user_data);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    const int32_t id = frame->hd.stream_id;
    auto s = std::make_unique<H2Connection::Stream>(id, c.now_);
    s->request.client_ip = c.ip_;
    s->request.tls = true;
    c.streams_[id] = std::move(s);
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                      void* user_data) {
    H2Connection& c = Conn(user_data);
    H2Connection::Stream* s = c.Find(frame->hd.stream_id);
    if (s == nullptr) return 0;
    const ServerLimits& limits = c.core_.limits;
    s->header_bytes += namelen + valuelen + 32;
    if (s->header_bytes > kHeaderHardLimitFactor * limits.max_header_bytes) {
      c.Fatal(NGHTTP2_ENHANCE_YOUR_CALM);
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    if (s->state != H2Connection::Stream::State::kHead) return 0;  // trailers: counted only
    if (++s->header_count > limits.max_headers || s->header_bytes > limits.max_header_bytes) {
      s->too_large = true;
    }
    if (s->too_large) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    HttpRequest& r = s->request;
    if (n == ":method") {
      r.method = std::move(v);
    } else if (n == ":path") {
      size_t q = v.find('?');
      r.path = v.substr(0, q);
      if (q != std::string::npos) r.query = v.substr(q + 1);
    } else if (n == ":authority") {
      r.headers.emplace_back("host", std::move(v));
    } else if (n == "content-length") {
      if (auto len = ParseNumber<uint64_t>(v)) s->content_length = *len;
      r.headers.emplace_back(std::string(n), std::move(v));
    } else if (!n.starts_with(':')) {
      r.headers.emplace_back(std::string(n), std::move(v));
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    H2Connection& c = Conn(user_data);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      c.OnClientReset();
      return 0;
    }
    H2Connection::Stream* s = c.Find(frame->hd.stream_id);
    if (s == nullptr) return 0;
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (frame->hd.type == NGHTTP2_HEADERS && s->state == H2Connection::Stream::State::kHead) {
      c.OnHead(*s, end_stream);
    } else if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
               end_stream) {
      c.OnBodyDone(*s);
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t*, size_t len,
                         void* user_data) {
    H2Connection& c = Conn(user_data);
    H2Connection::Stream* s = c.Find(stream_id);
    if (s == nullptr || len == 0) return 0;
    s->request.body_bytes += len;
    if (s->state == H2Connection::Stream::State::kClosing) return 0;
    if (s->body_unwanted) {
      c.Reset(*s, NGHTTP2_CANCEL);
    } else if (s->state == H2Connection::Stream::State::kBody &&
               s->request.body_bytes > s->route->max_body_bytes) {
      s->reset_after_response = true;
      c.Reply(*s, HttpResponse::Text(413, "request body too large\n"));
    }
    return 0;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    H2Connection& c = Conn(user_data);
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) return 0;
    H2Connection::Stream* s = c.Find(frame->hd.stream_id);
    if (s == nullptr || s->state != H2Connection::Stream::State::kResponding) return 0;
    s->state = H2Connection::Stream::State::kDone;
    s->last_progress = c.now_;
    if (s->reset_after_response) c.Reset(*s, NGHTTP2_NO_ERROR);
    return 0;
  }

  // A DATA frame fills at most what is left of the current write, so that a
  // write (and what waits unsent behind it) stays the size the driver asked for
  // and another stream's response is never queued behind a whole 16 KiB frame.
  static ssize_t DataLength(nghttp2_session*, uint8_t, int32_t, int32_t, int32_t,
                            uint32_t max_payloadlen, void* user_data) {
    const size_t room = Conn(user_data).produce_room_;
    return static_cast<ssize_t>(std::clamp<size_t>(room, 1, max_payloadlen));
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user_data) {
    H2Connection& c = Conn(user_data);
    auto it = c.streams_.find(stream_id);
    if (it == c.streams_.end()) return 0;
    c.Record(*it->second);
    c.streams_.erase(it);
    if (c.streams_.empty()) c.idle_since_ = c.now_;
    return 0;
  }
};

H2Connection::H2Connection(ServerCore& core, std::string client_ip, TimePoint now)
    : core_(core),
      ip_(std::move(client_ip)),
      now_(now),
      idle_since_(now),
      reset_tokens_(core.http2.reset_burst),
      reset_refill_(now) {}

H2Connection::~H2Connection() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

Status H2Connection::Start() {
  nghttp2_session_callbacks* cb = nullptr;
  if (nghttp2_session_callbacks_new(&cb) != 0) return Status::Internal("nghttp2: out of memory");
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, H2Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cb, H2Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, H2Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, H2Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, H2Callbacks::OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, H2Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_data_source_read_length_callback(cb, H2Callbacks::DataLength);
  nghttp2_option* opt = nullptr;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cb);
    return Status::Internal("nghttp2: out of memory");
  }
  const Http2Options& h2 = core_.http2;
  nghttp2_option_set_no_closed_streams(opt, 1);
  nghttp2_option_set_stream_reset_rate_limit(opt, h2.reset_burst, h2.reset_rate);
  nghttp2_option_set_max_continuations(opt, h2.max_continuations);
  int rv = nghttp2_session_server_new2(&session_, cb, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(rv));
  const std::array<nghttp2_settings_entry, 3> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, h2.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, h2.stream_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(core_.limits.max_header_bytes)},
  }};
  rv = nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  if (rv == 0) {
    rv = nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                               static_cast<int32_t>(h2.connection_window));
  }
  if (rv != 0) return Status::Internal(std::string("nghttp2: ") + nghttp2_strerror(rv));
  return Status::Ok();
}

Status H2Connection::Receive(const uint8_t* data, size_t n, TimePoint now) {
  now_ = now;
  if (fatal_) return Status::Unavailable("http2: connection is closing");
  ssize_t rv = nghttp2_session_mem_recv(session_, data, n);
  // nghttp2 answers most protocol errors itself with a GOAWAY and stops reading.
  if (rv >= 0 && !nghttp2_session_want_read(session_)) {
    fatal_ = true;
    return Status::Invalid("http2: connection closed by protocol error or GOAWAY");
  }
  if (rv < 0 || fatal_) {
    if (!fatal_)
      Fatal(rv == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    return Status::Invalid(std::string("http2: ") +
                           (rv < 0 ? nghttp2_strerror(static_cast<int>(rv)) : "limit exceeded"));
  }
  return Status::Ok();
}

void H2Connection::Produce(std::string& out, size_t max, TimePoint now) {
  now_ = now;
  while (out.size() < max) {
    produce_room_ = max - out.size();
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) {
      if (n < 0) fatal_ = true;
      return;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
}

bool H2Connection::Finished() const {
  return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

H2Connection::TimePoint H2Connection::NextDeadline() const {
  const ServerLimits& l = core_.limits;
  TimePoint d = TimePoint::max();
  if (streams_.empty()) d = idle_since_ + (authenticated_ ? l.idle_timeout : l.head_deadline);
  for (const auto& [id, s] : streams_) {
    switch (s->state) {
      case Stream::State::kHead:
        d = std::min(d, s->opened + l.head_deadline);
        break;
      case Stream::State::kBody:
        d = std::min(d, s->body_start + l.body_timeout);
        break;
      case Stream::State::kDelayed:
        d = std::min(d, s->due);
        break;
      case Stream::State::kResponding:
        d = std::min(d, s->last_progress + l.write_timeout);
        break;
      case Stream::State::kDone:
        d = std::min(d, s->last_progress + l.head_deadline);
        break;
      case Stream::State::kClosing:
        break;
    }
  }
  return d;
}

void H2Connection::OnTimer(TimePoint now) {
  now_ = now;
  const ServerLimits& l = core_.limits;
  if (streams_.empty()) {
    if (now >= idle_since_ + (authenticated_ ? l.idle_timeout : l.head_deadline)) {
      nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    }
    return;
  }
  for (auto& [id, sp] : streams_) {
    Stream& s = *sp;
    switch (s.state) {
      case Stream::State::kHead:
        // The header block (HEADERS + CONTINUATION) holds the whole connection.
        if (now >= s.opened + l.head_deadline) return Fatal(NGHTTP2_ENHANCE_YOUR_CALM);
        break;
      case Stream::State::kBody:
        if (now >= s.body_start + l.body_timeout) Reset(s, NGHTTP2_CANCEL);
        break;
      case Stream::State::kDelayed:
        if (now >= s.due) Submit(s, std::move(s.pending));
        break;
      case Stream::State::kResponding:
        if (now >= s.last_progress + l.write_timeout) Reset(s, NGHTTP2_CANCEL);
        break;
      case Stream::State::kDone:
        if (now >= s.last_progress + l.head_deadline) Reset(s, NGHTTP2_NO_ERROR);
        break;
      case Stream::State::kClosing:
        break;
    }
  }
}

H2Connection::Stream* H2Connection::Find(int32_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

// A token bucket over the client's RST_STREAM frames: opening and cancelling
// streams in a loop (CVE-2023-44487) costs a handler run each time without ever
// holding a stream open, so max_concurrent_streams does not bound it.
void H2Connection::OnClientReset() {
  const Http2Options& h2 = core_.http2;
  const double elapsed = std::chrono::duration<double>(now_ - reset_refill_).count();
  reset_tokens_ = std::min<double>(h2.reset_burst, reset_tokens_ + elapsed * h2.reset_rate);
  reset_refill_ = now_;
  if (reset_tokens_ < 1) return Fatal(NGHTTP2_ENHANCE_YOUR_CALM);
  reset_tokens_ -= 1;
}

void H2Connection::Reset(Stream& s, uint32_t error_code) {
  s.state = Stream::State::kClosing;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, error_code);
}

void H2Connection::Fatal(uint32_t error_code) {
  if (fatal_) return;
  fatal_ = true;
  nghttp2_session_terminate_session(session_, error_code);
}

void H2Connection::Record(const Stream& s) {
  if (s.status == 0 || core_.observer == nullptr) return;
  const double seconds = std::chrono::duration<double>(now_ - s.opened).count();
  core_.observer->OnRequest(s.route ? s.route->handler_label : kOtherHandlerLabel, s.status,
                            seconds);
}

}  // namespace hermes::server
