// What the speedtest and responsiveness engines share about the bytes their load
// connections move: the upload body, libcurl's sent counter, and the bytes that
// crossed the link as the kernel saw them.
//
// Thread-compatible.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>

#include "net/curl_easy.h"

namespace hermes::probe {

inline constexpr size_t kUploadPatternBytes = 1 << 20;  // the repeating upload body
inline constexpr long kUploadBufferBytes = 512 * 1024;  // NOLINT(runtime/int)

// Adds to *total what libcurl reports `handle` has sent since *counted (its count
// so far), never more than `handed` (the body bytes given to libcurl for the current
// request: until libcurl starts a re-added handle's transfer, its counter still
// holds the previous request's total).
void CountSent(CURL* handle, uint64_t handed, uint64_t* counted, uint64_t* total);

// Bytes that crossed the link: downloads as the kernel received them (read plus what
// the sockets hold unread), so that a CPU-starved hermes reading its receive buffers
// in bursts counts bytes when they arrived, not when it got round to reading them;
// uploads as the peer acknowledged them (sent minus what the sockets still hold), so
// that send buffers growing during a window are not counted as throughput.
class LinkBytes {
 public:
  explicit LinkBytes(bool upload) : upload_(upload) {}
  // What one load connection's socket holds: unread (download) or unacknowledged
  // (upload) bytes.
  uint64_t Queued(const net::TrackedSocket& s) const;
  // `moved`: bytes read (download) or sent (upload) so far; `queued`: the sum of
  // Queued() over the connections. Never decreases.
  uint64_t Update(uint64_t moved, uint64_t queued);

 private:
  const bool upload_;
  uint64_t delivered_ = 0;
};

}  // namespace hermes::probe
