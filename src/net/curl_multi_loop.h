// MultiLoop: several libcurl multi handles driven together on the calling thread,
// through libcurl's socket interface (curl_multi_socket_action) and one poll(2).
//
// Why several: a multi handle keeps its own connection cache, so a transfer added
// to the multi that holds one HTTP/2 connection is multiplexed onto exactly that
// connection (the responsiveness probe's self probes ride the load-generating
// connection they were sent to), while one thread and one poll serve them all.
// Cost per wake-up is O(open sockets); libcurl only touches the ready ones.
//
// libcurl's own timers are kept in real steady time (they are libcurl's, not the
// probe's); callers decide how long to wait with their Clock.
//
// Thread-compatible: one thread uses a loop and the handles added to it. Easy
// handles added with Add() must outlive the loop or be removed first; the
// destructor removes those still added, then cleans the multis up.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "common/clock.h"

namespace hermes::net {

class MultiLoop {
 public:
  MultiLoop() = default;
  ~MultiLoop();
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  // A new multi handle (HTTP/2 multiplexing on) driven by this loop; it lives as
  // long as the loop. `max_host_connections` > 0 caps its connections per host.
  CURLM* NewMulti(long max_host_connections = 0);  // NOLINT(runtime/int): libcurl's type

  // Adds / removes an easy handle on one of this loop's multis.
  bool Add(CURLM* multi, CURL* easy);
  void Remove(CURLM* multi, CURL* easy);

  // Waits up to `max_wait` for socket readiness or the earliest libcurl timer, then
  // lets libcurl act on everything that is ready. Returns after one round.
  void Wait(Duration max_wait);

  struct Done {
    CURLM* multi;
    CURL* easy;
    CURLcode result;
  };
  // The next finished transfer since the last call (still added: remove it or
  // re-add after changing it), or nullopt.
  std::optional<Done> NextDone();

 private:
  using RealTime = std::chrono::steady_clock::time_point;
  struct Multi {
    MultiLoop* loop = nullptr;
    CURLM* handle = nullptr;
    std::optional<RealTime> timer;  // libcurl wants socket_action(TIMEOUT) then
    std::set<CURL*> easies;
  };
  struct Watch {
    Multi* multi;
    int what;  // CURL_POLL_IN / OUT / INOUT
  };

  static int OnSocket(CURL*, curl_socket_t s, int what, void* userp, void*);
  static int OnTimer(CURLM*, long timeout_ms, void* userp);  // NOLINT(runtime/int)
  void Act(Multi& m, curl_socket_t s, int flags);

  std::vector<std::unique_ptr<Multi>> multis_;
  std::map<curl_socket_t, Watch> sockets_;
  size_t next_done_multi_ = 0;  // round-robin start for NextDone
};

}  // namespace hermes::net
