// Foreign and self probes of a responsiveness direction and their round trips.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>

#include "probe/rpm_engine.h"

namespace hermes::probe::rpm_internal {

// Probe bodies and upload answers: at most kMaxPingBodyBytes each.
size_t Engine::OnCappedData(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  const size_t len = size * n;
  t->engine->down_ += len;
  t->body += len;
  if (t->body <= kMaxPingBodyBytes) return len;
  t->too_long = true;
  return 0;
}

// At the first header line the TLS session of a fresh connection is complete.
size_t Engine::OnProbeHeader(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  if (t->tls_round_trips == 0 && t->engine->spec_.server->tls) {
    curl_tlssessioninfo* info = nullptr;
    if (curl_easy_getinfo(t->handle->get(), CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK &&
        info != nullptr && info->backend == CURLSSLBACKEND_OPENSSL && info->internals != nullptr) {
      t->tls_round_trips =
          SSL_version(static_cast<SSL*>(info->internals)) >= TLS1_3_VERSION ? 1 : 2;
    }
  }
  return size * n;
}

// The draft's "active load-generating connections": those whose load moves bytes.
// One still connecting would add its handshake to a self probe that waits for it.
Engine::Transfer* Engine::RandomLoadConnection() {
  std::vector<Transfer*> active;
  for (const auto& t : lgcs_) {
    if (t->active) active.push_back(t.get());
  }
  if (active.empty()) return nullptr;
  return active[std::uniform_int_distribution<size_t>(0, active.size() - 1)(rng_)];
}

void Engine::LaunchPair() {
  if (probes_.size() >= static_cast<size_t>(config::kRpmMaxProbesInFlight)) return;
  if (foreign_in_flight_ < kMaxForeignInFlight) LaunchProbe(foreign_multi_, /*foreign=*/true);
  if (!spec_.http2) return SampleTcpInfo();
  // PIPEWAIT and one connection per multi: the probe waits for that connection,
  // whatever state it is in, and rides it.
  if (Transfer* lgc = RandomLoadConnection()) LaunchProbe(lgc->multi, /*foreign=*/false);
}

void Engine::LaunchProbe(CURLM* multi, bool foreign) {
  auto t = NewTransfer(spec_.server->small_download_url, multi, /*post=*/false);
  if (!t) return;
  t->foreign = foreign;
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (foreign) {
    // A new connection with a full handshake each time, as a browser's first visit.
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnProbeHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t.get());
  } else {
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
  }
  t->handle->SetTimeout(ctx_.Remaining());
  if (!loop_.Add(multi, c)) return;
  foreign_in_flight_ += foreign ? 1 : 0;
  probes_[c] = std::move(t);
}

// HTTP/1.1 cannot multiplex a probe onto a loaded connection; the draft's stand-in
// is the transport's RTT estimate of that connection.
void Engine::SampleTcpInfo() {
  Transfer* lgc = RandomLoadConnection();
  if (lgc == nullptr || lgc->socket.fd == CURL_SOCKET_BAD) return;
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(lgc->socket.fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return;
  // A receiver's tcpi_rtt only sees its few ACKed sends; tcpi_rcv_rtt follows the data.
  const uint32_t us = !upload_ && info.tcpi_rcv_rtt > 0 ? info.tcpi_rcv_rtt : info.tcpi_rtt;
  if (us == 0) return;
  current_.self.push_back(us / 1e6);
  self_rtts_.push_back(us / 1e6);
  ++probes_done_;
}

void Engine::ProbeDone(Transfer& t) {
  CURL* c = t.handle->get();
  curl_off_t lookup = 0, connect = 0, app = 0, total = 0;
  curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
  ++probes_done_;
  if (!t.foreign) {
    current_.self.push_back(Seconds(total));
    self_rtts_.push_back(Seconds(total));
    return;
  }
  current_.tcp.push_back(Seconds(connect - lookup));
  if (spec_.server->tls) {
    current_.tls.push_back(Seconds(app - connect) / std::max(t.tls_round_trips, 1));
    current_.http.push_back(Seconds(total - app));
  } else {
    current_.http.push_back(Seconds(total - connect));
  }
}

}  // namespace hermes::probe::rpm_internal
