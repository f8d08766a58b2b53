// Load-generating connections of a responsiveness direction: requests, byte
// counting against max_bytes, socket options, and how finished transfers end.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "probe/rpm_engine.h"

namespace hermes::probe::rpm_internal {

size_t Engine::OnLoadData(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  Engine& e = *t->engine;
  const size_t len = size * n;
  e.down_ += len;  // read, whatever happens next
  if (e.budget_cut_ || e.down_ + e.handed_ > e.spec_.max_bytes) {
    e.budget_cut_ = true;
    return 0;  // CURLE_WRITE_ERROR ends the transfer; the direction ends too
  }
  e.load_down_ += len;
  t->active = true;
  return len;
}

size_t Engine::OnUploadRead(char* dst, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  Engine& e = *t->engine;
  const uint64_t used = e.down_ + e.handed_;
  const uint64_t budget_left = e.spec_.max_bytes - std::min(used, e.spec_.max_bytes);
  const uint64_t request_left = e.upload_request_bytes_ - t->handed;
  if (budget_left == 0 && request_left > 0) {
    e.budget_cut_ = true;
    return CURL_READFUNC_ABORT;
  }
  const size_t off = t->handed % e.pattern_.size();
  const size_t len =
      std::min<uint64_t>({size * n, request_left, budget_left, e.pattern_.size() - off});
  std::memcpy(dst, e.pattern_.data() + off, len);
  t->handed += len;
  e.handed_ += len;
  t->active = true;
  return len;
}

std::unique_ptr<Engine::Transfer> Engine::NewTransfer(const std::string& url, CURLM* multi,
                                                      bool post) {
  auto h = net::EasyHandle::Create(url, post ? post_opts_ : get_opts_);
  if (!h.ok()) {
    failure_ = net::RequestFailure{FailureReason::kUnknown, h.status().message(), std::nullopt};
    return nullptr;
  }
  auto t = std::make_unique<Transfer>();
  t->engine = this;
  t->handle = std::move(h).value();
  t->multi = multi;
  t->what = (post ? "POST " : "GET ") + UrlPath(url);
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, HttpVersionFor(spec_.http2, spec_.server->tls));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnCappedData);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kPingReadBlockBytes));  // NOLINT
  return t;
}

void Engine::AddLoadConnection() {
  if (lgcs_.size() >= static_cast<size_t>(config::kRpmMaxLoadConnections)) return;
  // One connection per multi handle: its self probes can only ride that one.
  CURLM* multi = loop_.NewMulti(1);
  const NqConfig& s = *spec_.server;
  auto t = NewTransfer(upload_ ? s.upload_url : s.large_download_url, multi, upload_);
  if (!t) return;
  t->load = true;
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kTransferReadBlockBytes));  // NOLINT
  t->socket.reset_on_close = upload_;  // a stopped upload must not keep the link busy
  net::TrackSocket(c, &t->socket);
  if (upload_) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(upload_request_bytes_));
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnUploadRead);
    curl_easy_setopt(c, CURLOPT_READDATA, t.get());
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnLoadData);
  }
  lgcs_.push_back(std::move(t));
  StartLoadRequest(*lgcs_.back());
}

void Engine::StartLoadRequest(Transfer& t) {
  t.body = t.handed = t.sent_counted = 0;
  t.handle->SetTimeout(ctx_.Remaining());
  if (!loop_.Add(t.multi, t.handle->get())) {
    failure_ = net::RequestFailure{FailureReason::kUnknown, t.what + ": cannot start the request",
                                   std::nullopt};
  }
}

std::optional<net::RequestFailure> Engine::Check(Transfer& t, CURLcode rc) const {
  CURL* c = t.handle->get();
  if (t.too_long) {
    return net::RequestFailure{FailureReason::kProtocol,
                               t.what + ": response body longer than " +
                                   std::to_string(kMaxPingBodyBytes) +
                                   " bytes; the server must answer this URL briefly",
                               std::nullopt};
  }
  if (rc != CURLE_OK) {
    const auto reason = ctx_.Expired() ? FailureReason::kTimeout : net::ClassifyCurlCode(rc);
    return net::RequestFailure{reason, t.what + ": " + t.handle->ErrorText(rc), std::nullopt};
  }
  const long code = net::ResponseCode(c);  // NOLINT(runtime/int)
  if (auto f = net::ClassifyHttpStatus(code, net::ResponseHeader(c, "Retry-After"),
                                       ctx_.clock.WallNow())) {
    f->error = t.what + ": " + f->error;
    return f;
  }
  if (code < 200 || code >= 300) {
    return net::RequestFailure{FailureReason::kHttpStatus,
                               t.what + ": HTTP status " + std::to_string(code) + ", expected 200",
                               std::nullopt};
  }
  return std::nullopt;
}

void Engine::Handle(const net::MultiLoop::Done& done) {
  Transfer* t = nullptr;
  curl_easy_getinfo(done.easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
  if (t == nullptr) return;
  if (t->load) {
    CountUploaded();
    loop_.Remove(t->multi, done.easy);
    if (budget_cut_) return;  // refused at max_bytes: the direction ends now
    if (auto f = Check(*t, done.result)) {
      failure_ = f;
      return;
    }
    StartLoadRequest(*t);  // the object or the upload ended: the next one
    return;
  }
  if (auto f = Check(*t, done.result)) {
    failure_ = f;
  } else {
    ProbeDone(*t);
  }
  foreign_in_flight_ -= t->foreign ? 1 : 0;
  loop_.Remove(t->multi, done.easy);
  probes_.erase(done.easy);
}

void Engine::CountUploaded() {
  if (!upload_) return;
  for (auto& t : lgcs_) CountSent(t->handle->get(), t->handed, &t->sent_counted, &up_);
}

// What crossed the link (link_bytes.h), as the speedtest counts it.
uint64_t Engine::moved() {
  uint64_t queued = 0;
  for (const auto& t : lgcs_) queued += link_.Queued(t->socket);
  return link_.Update(upload_ ? up_ : load_down_, queued);
}

void Engine::SetNotSentLowat(double goodput) {
  const double share = goodput / static_cast<double>(std::max<size_t>(lgcs_.size(), 1));
  const int lowat = static_cast<int>(std::max(kMinNotSentLowat, share * kReplenishSeconds));
  for (auto& t : lgcs_) {
    if (t->socket.fd != CURL_SOCKET_BAD) {
      setsockopt(t->socket.fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
    }
  }
}

}  // namespace hermes::probe::rpm_internal
