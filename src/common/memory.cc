#include "common/memory.h"

#include <malloc.h>

namespace hermes {

void CapMallocArenas(int arenas) { mallopt(M_ARENA_MAX, arenas); }

void ReleaseFreeMemory() { malloc_trim(0); }

}  // namespace hermes
