#include "net/curl_multi_loop.h"

#include <poll.h>

#include <algorithm>

namespace hermes::net {

MultiLoop::~MultiLoop() {
  for (auto& m : multis_) {
    for (CURL* e : m->easies) curl_multi_remove_handle(m->handle, e);
    curl_multi_cleanup(m->handle);
  }
}

CURLM* MultiLoop::NewMulti(long max_host_connections) {  // NOLINT(runtime/int)
  auto m = std::make_unique<Multi>();
  m->loop = this;
  m->handle = curl_multi_init();
  if (m->handle == nullptr) return nullptr;
  curl_multi_setopt(m->handle, CURLMOPT_SOCKETFUNCTION, OnSocket);
  curl_multi_setopt(m->handle, CURLMOPT_SOCKETDATA, m.get());
  curl_multi_setopt(m->handle, CURLMOPT_TIMERFUNCTION, OnTimer);
  curl_multi_setopt(m->handle, CURLMOPT_TIMERDATA, m.get());
  curl_multi_setopt(m->handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  if (max_host_connections > 0) {
    curl_multi_setopt(m->handle, CURLMOPT_MAX_HOST_CONNECTIONS, max_host_connections);
  }
  multis_.push_back(std::move(m));
  return multis_.back()->handle;
}

bool MultiLoop::Add(CURLM* multi, CURL* easy) {
  for (auto& m : multis_) {
    if (m->handle != multi) continue;
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) return false;
    m->easies.insert(easy);
    return true;
  }
  return false;
}

void MultiLoop::Remove(CURLM* multi, CURL* easy) {
  for (auto& m : multis_) {
    if (m->handle != multi || m->easies.erase(easy) == 0) continue;
    curl_multi_remove_handle(multi, easy);
  }
}

int MultiLoop::OnSocket(CURL*, curl_socket_t s, int what, void* userp, void*) {
  auto* m = static_cast<Multi*>(userp);
  if (what == CURL_POLL_REMOVE) {
    m->loop->sockets_.erase(s);
  } else {
    m->loop->sockets_[s] = Watch{m, what};
  }
  return 0;
}

int MultiLoop::OnTimer(CURLM*, long timeout_ms, void* userp) {  // NOLINT(runtime/int)
  auto* m = static_cast<Multi*>(userp);
  if (timeout_ms < 0) {
    m->timer.reset();
  } else {
    m->timer = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void MultiLoop::Act(Multi& m, curl_socket_t s, int flags) {
  int running = 0;
  curl_multi_socket_action(m.handle, s, flags, &running);
}

void MultiLoop::Wait(Duration max_wait) {
  auto now = std::chrono::steady_clock::now();
  auto wake = now + std::max(max_wait, Duration::zero());
  for (const auto& m : multis_) {
    if (m->timer && *m->timer < wake) wake = *m->timer;
  }
  std::vector<pollfd> fds;
  std::vector<Multi*> owners;
  fds.reserve(sockets_.size());
  owners.reserve(sockets_.size());
  for (const auto& [s, w] : sockets_) {
    short events = 0;  // NOLINT(runtime/int): pollfd's type
    if (w.what & CURL_POLL_IN) events |= POLLIN;
    if (w.what & CURL_POLL_OUT) events |= POLLOUT;
    fds.push_back(pollfd{s, events, 0});
    owners.push_back(w.multi);
  }
  const auto wait_ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
  if (poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(wait_ms, 0))) > 0) {
    for (size_t i = 0; i < fds.size(); ++i) {
      const short r = fds[i].revents;  // NOLINT(runtime/int)
      if (r == 0) continue;
      int flags = 0;
      if (r & POLLIN) flags |= CURL_CSELECT_IN;
      if (r & POLLOUT) flags |= CURL_CSELECT_OUT;
      if (r & (POLLERR | POLLHUP | POLLNVAL)) flags |= CURL_CSELECT_ERR;
      // A socket closed by an earlier action in this round is no longer watched.
      auto it = sockets_.find(fds[i].fd);
      if (it == sockets_.end() || it->second.multi != owners[i]) continue;
      Act(*owners[i], fds[i].fd, flags);
    }
  }
  now = std::chrono::steady_clock::now();
  for (auto& m : multis_) {
    if (m->timer && *m->timer <= now) {
      m->timer.reset();
      Act(*m, CURL_SOCKET_TIMEOUT, 0);
    }
  }
}

std::optional<MultiLoop::Done> MultiLoop::NextDone() {
  for (size_t n = 0; n < multis_.size(); ++n) {
    Multi& m = *multis_[(next_done_multi_ + n) % multis_.size()];
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m.handle, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      next_done_multi_ = (next_done_multi_ + n) % multis_.size();
      return Done{m.handle, msg->easy_handle, msg->data.result};
    }
  }
  return std::nullopt;
}

}  // namespace hermes::net
