// Shared by the STAMP reflector tests.
#pragma once

#include <memory>
#include <string>

#include "target/stamp_reflector.h"

namespace hermes::target {

// A started reflector on `addr` (e.g. "127.0.0.1:0"), or nullptr after a failed
// EXPECT.
std::unique_ptr<StampReflector> StartReflector(const std::string& addr, StampLimits l = {});

}  // namespace hermes::target
