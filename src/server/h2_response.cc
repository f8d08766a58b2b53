// H2Connection's request decisions and responses: the same Router rules as the
// HTTP/1.1 session, answered through PlanResponse.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "server/h2_connection.h"
#include "server/h2_stream.h"
#include "server/response_plan.h"

namespace hermes::server {
namespace {

// Connection-specific fields are not allowed in HTTP/2 (RFC 9113 8.2.2);
// content-length is set from the plan.
bool DroppedInH2(std::string_view lower_name) {
  for (std::string_view n : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                             "upgrade", "content-length"}) {
    if (lower_name == n) return true;
  }
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// Reads the response body of a stream for nghttp2: the plan's body, or bytes
// repeated from the shared stream chunk. Defined here to reach H2Connection.
struct H2BodySource {
  using Stream = H2Connection::Stream;

  static ssize_t Callback(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                          uint32_t* data_flags, nghttp2_data_source* source, void* user_data) {
    return Read(*static_cast<H2Connection*>(user_data), *static_cast<Stream*>(source->ptr), buf,
                length, data_flags);
  }

  static ssize_t Read(H2Connection& c, Stream& s, uint8_t* buf, size_t length,
                      uint32_t* data_flags) {
    if (s.stall) return NGHTTP2_ERR_DEFERRED;
    size_t n = 0;
    if (!s.streamed) {
      n = std::min(length, s.body.size() - s.body_sent);
      std::memcpy(buf, s.body.data() + s.body_sent, n);
      s.body_sent += n;
      if (s.body_sent == s.body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    } else {
      if (s.stream_sent == s.stream_bytes && s.reset_at_end) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // RST_STREAM(INTERNAL_ERROR)
      }
      const std::vector<char>& chunk = c.core_.stream_chunk;
      const size_t offset = static_cast<size_t>(s.stream_sent % chunk.size());
      n = static_cast<size_t>(
          std::min<uint64_t>({length, s.stream_bytes - s.stream_sent, chunk.size() - offset}));
      std::memcpy(buf, chunk.data() + offset, n);
      s.stream_sent += n;
      if (s.stream_sent == s.stream_bytes && !s.reset_at_end) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      }
    }
    s.last_progress = c.now_;
    return static_cast<ssize_t>(n);
  }
};

void H2Connection::OnHead(Stream& s, bool end_stream) {
  s.state = Stream::State::kBody;  // until decided below
  const Router& router = core_.router;
  if (s.too_large) {
    s.reset_after_response = !end_stream;
    return Reply(s, HttpResponse::Text(431, "request header fields too large\n"));
  }
  s.route = router.Find(s.request.path);
  auto reject = router.CheckHead(s.route, s.request.method, s.content_length, false);
  if (!reject && s.route != nullptr) reject = router.CheckAuth(*s.route, s.request);
  if (reject) {
    s.reset_after_response = !end_stream;
    return Reply(s, std::move(*reject));
  }
  if (Router::AuthRequired(*s.route, s.request.method)) authenticated_ = true;
  if (s.route->max_body_bytes > 0 && !end_stream) {
    s.body_start = now_;
    return;
  }
  // A route without a body answers at once; DATA that follows resets the stream.
  s.body_unwanted = !end_stream;
  RunHandler(s);
}

void H2Connection::OnBodyDone(Stream& s) {
  if (s.state == Stream::State::kBody) RunHandler(s);
}

void H2Connection::RunHandler(Stream& s) { Reply(s, core_.router.Invoke(*s.route, s.request)); }

void H2Connection::Reply(Stream& s, HttpResponse response) {
  if (response.delay.count() > 0) {
    s.state = Stream::State::kDelayed;
    s.due = now_ + response.delay;
    s.pending = std::move(response);
    return;
  }
  Submit(s, std::move(response));
}

void H2Connection::Submit(Stream& s, HttpResponse response) {
  ResponsePlan plan = PlanResponse(response, s.request, core_.extra_headers);
  s.state = Stream::State::kResponding;
  s.status = response.status;
  s.last_progress = now_;
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(plan.headers.size() + 2);
  fields.emplace_back(":status", std::to_string(response.status));
  for (auto& [name, value] : plan.headers) {
    std::string lower = Lower(name);
    if (!DroppedInH2(lower)) fields.emplace_back(std::move(lower), std::move(value));
  }
  fields.emplace_back("content-length", std::to_string(plan.content_length));
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (auto& [name, value] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(name.data()),
                   reinterpret_cast<uint8_t*>(value.data()), name.size(), value.size(),
                   NGHTTP2_NV_FLAG_NONE});
  }
  const bool head = s.request.method == "HEAD";
  s.streamed = response.stream.has_value();
  s.body = std::move(plan.body);
  s.stream_bytes = plan.stream_bytes;
  s.reset_at_end = plan.reset;
  s.stall = s.streamed && response.stream->stall;
  const bool has_body =
      !head && (s.streamed ? (s.stream_bytes > 0 || s.reset_at_end || s.stall) : !s.body.empty());
  nghttp2_data_provider provider{};
  provider.source.ptr = &s;
  provider.read_callback = H2BodySource::Callback;
  int rv = nghttp2_submit_response(session_, s.id, nva.data(), nva.size(),
                                   has_body ? &provider : nullptr);
  if (rv != 0) Reset(s, NGHTTP2_INTERNAL_ERROR);
}

}  // namespace hermes::server
