#include "scheduler/config_equal.h"

namespace hermes::scheduler {

bool SameProbeConfig(const config::ProbeConfig& a, const config::ProbeConfig& b) {
  // Moving a probe within the file changes only its line; that is not a change.
  config::ProbeConfig a_at_b_line = a;
  a_at_b_line.line = b.line;
  return a_at_b_line == b;
}

}  // namespace hermes::scheduler
