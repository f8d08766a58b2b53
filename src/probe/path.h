// A probe's path keys (config::PathConfig) as the net layer applies them.
#pragma once

#include "config/config.h"
#include "net/path.h"

namespace hermes::probe {

// source_ip_address, interface, preferred_ip_protocol and ip_protocol_fallback of a
// parsed config (whose values the parser has validated).
net::PathOptions PathOf(const config::PathConfig& path);

}  // namespace hermes::probe
