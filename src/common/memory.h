// Process-wide malloc settings and the release of freed memory (glibc).
//
// hermes runs a fixed, small set of threads (listener, scheduler, probe workers and
// the threads libcurl starts to resolve names). glibc gives a thread that finds the
// arenas in use a new arena, up to 8 per core, and each keeps the memory it once held;
// for hermes' workload that is megabytes of resident memory that no thread reuses.
// Freed memory also stays resident inside an arena until it sits at the arena's top;
// ReleaseFreeMemory() hands every free page back after work that freed a lot at once.
//
// Thread-safety: CapMallocArenas() must run before any thread starts;
// ReleaseFreeMemory() may be called from any thread; ConnectionBurst is thread-safe.
#pragma once

#include "common/mutex.h"

namespace hermes {

// Limits the number of malloc arenas (M_ARENA_MAX).
void CapMallocArenas(int arenas);

// Returns free heap pages of every arena to the kernel (malloc_trim). Call after
// work that freed large buffers, e.g. a speed test's transfer buffers.
void ReleaseFreeMemory();

// Tells when a burst of connections has drained, so that what they held (TLS and
// HTTP buffers, responses in flight; ~130 KiB each) can be released once rather than
// stay resident. A burst is kMinBurst or more connections open at once; it has
// drained when the count falls to a quarter of its peak. Then the peak restarts from
// the current count: a steady set of keep-alive scrapers never triggers a release,
// and a burst that drains completely releases at most log4(peak) times.
class ConnectionBurst {
 public:
  static constexpr int kMinBurst = 8;

  // Call with the number of open connections after every change; true once per
  // drained burst (then call ReleaseFreeMemory()).
  bool Drained(int open) HERMES_EXCLUDES(mu_);

 private:
  Mutex mu_;
  int peak_ HERMES_GUARDED_BY(mu_) = 0;
};

}  // namespace hermes
