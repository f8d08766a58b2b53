#include "common/memory.h"

#include <malloc.h>

#include <algorithm>

namespace hermes {

void CapMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

void ReleaseFreeMemory() { malloc_trim(0); }

bool ConnectionBurst::Drained(int open) {
  MutexLock l(mu_);
  peak_ = std::max(peak_, open);
  if (peak_ < kMinBurst || open > peak_ / 4) return false;
  peak_ = open;
  return true;
}

}  // namespace hermes
