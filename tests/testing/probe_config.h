// Probe configs built as plain structs, for tests that do not go through YAML: a
// built-in kind (probe::FindKind) and that kind's settings.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "probe/kind.h"

namespace hermes::testing {

template <typename Settings>
config::ProbeConfig MakeProbeConfig(std::string name, std::string_view kind, Settings settings,
                                    Duration interval = std::chrono::seconds(60),
                                    Duration timeout = std::chrono::seconds(10)) {
  config::ProbeConfig p;
  p.name = std::move(name);
  p.kind = probe::FindKind(kind);
  if (p.kind == nullptr) std::abort();  // a test naming a kind that does not exist
  p.interval = interval;
  p.timeout = timeout;
  p.settings = std::make_shared<const Settings>(std::move(settings));
  return p;
}

// Copies `p` with its settings changed by `mutate(Settings&)`.
template <typename Settings, typename F>
config::ProbeConfig WithSettings(config::ProbeConfig p, F mutate) {
  Settings s = p.Settings<Settings>();
  mutate(s);
  p.settings = std::make_shared<const Settings>(std::move(s));
  return p;
}

}  // namespace hermes::testing
