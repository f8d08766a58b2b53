// AresChannel: an owned c-ares channel driven by a poll() loop that honours a
// Deadline.
//
// c-ares does the DNS protocol work (retries, TCP fallback on truncation,
// /etc/resolv.conf and /etc/hosts); this adapter owns the channel and runs its
// event loop in slices of at most kPollSlice until the caller's callback has
// fired, the deadline passes, or the run is cancelled (then pending queries are
// cancelled, so their callbacks run with ARES_ECANCELLED before Run returns).
//
// Thread-safety: a channel is used by one thread; create one per query.
// Callbacks run on the calling thread inside Run() or the destructor.
#pragma once

#include <ares.h>

#include <string>

#include "common/status.h"
#include "net/deadline.h"

namespace hermes::net {

class AresChannel {
 public:
  // ares_init_options(opts, optmask); kUnavailable with c-ares' message on failure.
  static Result<AresChannel> Create(ares_options& opts, int optmask);

  AresChannel(AresChannel&& o) noexcept;
  AresChannel& operator=(AresChannel&&) = delete;
  AresChannel(const AresChannel&) = delete;
  ~AresChannel();

  ares_channel get() const { return channel_; }

  // Drives I/O until `done` becomes true. kDeadlineExceeded when the deadline
  // passes or the flag is set (pending queries are cancelled first).
  Status Run(const bool& done, const Deadline& d);

 private:
  explicit AresChannel(ares_channel c) : channel_(c) {}
  ares_channel channel_ = nullptr;
};

// Per-try c-ares timeout so that `tries` tries (c-ares doubles the timeout on each
// round) fit into `remaining`: remaining / (2^tries - 1), at least 1 ms.
int AresTimeoutMs(Duration remaining, int tries);

}  // namespace hermes::net
