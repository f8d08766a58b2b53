// Process-wide malloc settings and the release of freed memory (glibc).
//
// hermes runs a fixed, small set of threads (listener, scheduler, probe workers and
// the threads libcurl starts to resolve names). glibc gives a thread that finds the
// arenas in use a new arena, up to 8 per core, and each keeps the memory it once held;
// for hermes' workload that is megabytes of resident memory that no thread reuses.
//
// Thread-safety: CapMallocArenas() must run before any thread starts;
// ReleaseFreeMemory() may be called from any thread.
#pragma once

namespace hermes {

// Limits the number of malloc arenas (M_ARENA_MAX).
void CapMallocArenas(int arenas);

// Returns free heap pages of every arena to the kernel (malloc_trim). Call after
// work that freed large buffers, e.g. a speed test's transfer buffers.
void ReleaseFreeMemory();

}  // namespace hermes
