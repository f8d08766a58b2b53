#include "probe/link_bytes.h"

#include <algorithm>

namespace hermes::probe {

void CountSent(CURL* handle, uint64_t handed, uint64_t* counted, uint64_t* total) {
  curl_off_t info = 0;
  curl_easy_getinfo(handle, CURLINFO_SIZE_UPLOAD_T, &info);
  const uint64_t sent = std::min(static_cast<uint64_t>(std::max<curl_off_t>(info, 0)), handed);
  if (sent > *counted) {
    *total += sent - *counted;
    *counted = sent;
  }
}

uint64_t LinkBytes::Queued(const net::TrackedSocket& s) const {
  return upload_ ? net::UnackedBytes(s) : net::UnreadBytes(s);
}

uint64_t LinkBytes::Update(uint64_t moved, uint64_t queued) {
  delivered_ = std::max(delivered_, upload_ ? moved - std::min(moved, queued) : moved + queued);
  return delivered_;
}

}  // namespace hermes::probe
