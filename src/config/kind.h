// Probe kinds as the config layer sees them.
//
// Every kind is one row of the kind table in probe/kinds.cc. A row's config half
// is a KindSpec: the kind's name, its keys, its default timeout, whether it moves
// bulk data, and the function that parses its keys into the kind's own settings
// struct (a KindSettings subclass declared in config/<kind>_config.h, with its
// defaults beside it). ParseConfig() takes the table as a KindCatalog, so config/
// never names a kind itself; probe/ adds the factory and the metric layout to each
// row. Adding a kind is: a config file, a probe file, one row, their tests.
//
// Thread-safety: KindSpecs are immutable constants; settings are immutable once
// parsed and shared between config snapshots.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>

#include "common/clock.h"
#include "common/status.h"

namespace hermes::config {

namespace internal {
class MapReader;
}

// A kind's own settings (the keys besides name, kind, interval, timeout, expect).
class KindSettings {
 public:
  virtual ~KindSettings() = default;
  // Same dynamic type and equal fields: reload keeps an unchanged probe running.
  virtual bool Equals(const KindSettings& other) const = 0;
  // The most bytes one run can move in both directions together (the data budget's
  // worst case). Kinds that exchange only a few packets report what those are.
  virtual uint64_t MaxBytesPerRun() const = 0;
};

// Implements Equals() with the subclass's (defaulted) operator==.
template <typename Self>
class KindSettingsOf : public KindSettings {
 public:
  bool Equals(const KindSettings& other) const override {
    const auto* o = dynamic_cast<const Self*>(&other);
    return o != nullptr && *o == static_cast<const Self&>(*this);
  }
  bool operator==(const KindSettingsOf&) const { return true; }
};

struct PathConfig;

// What a kind's parser may need besides its own keys.
struct KindParseContext {
  std::string base_dir;  // relative file paths resolve against it
  Duration interval{};   // already parsed and validated
  Duration timeout{};
  const PathConfig& path;  // already parsed and validated
};

using KindParseFn = Result<std::shared_ptr<const KindSettings>> (*)(const internal::MapReader& m,
                                                                    const KindParseContext& ctx);

struct KindSpec {
  std::string_view name;                          // the value of `kind:`
  std::span<const std::string_view> keys;         // its own keys
  std::span<const std::string_view> expect_keys;  // keys it accepts under `expect`
  Duration default_timeout{};                     // before the 80 % of interval cap
  bool bulk = false;  // saturates the link: never runs beside another bulk probe
  KindParseFn parse = nullptr;
};

// The `expect` keys of kinds that measure latency but no throughput.
inline constexpr std::string_view kLatencyExpectKeys[] = {"latency"};

// Concatenates key lists at compile time, e.g. kHttpTargetKeys + a kind's own.
template <size_t N, size_t M>
constexpr std::array<std::string_view, N + M> JoinKeys(const std::string_view (&a)[N],
                                                       const std::string_view (&b)[M]) {
  std::array<std::string_view, N + M> out{};
  for (size_t i = 0; i < N; ++i) out[i] = a[i];
  for (size_t i = 0; i < M; ++i) out[N + i] = b[i];
  return out;
}

// The kinds a config may use (probe::BuiltinKinds() in the binaries).
using KindCatalog = std::span<const KindSpec* const>;

}  // namespace hermes::config
