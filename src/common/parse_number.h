// Whole-string number parsing: the one way hermes turns a token of text into a
// number (flags, config units, ports, query parameters, /proc fields).
//
// ParseNumber<T>(s) accepts exactly what std::from_chars accepts for T when it
// consumes all of `s`: decimal digits, a leading '-' only for signed and floating
// types, no '+', white space or base prefix. Floating-point results must be finite
// ("inf", "nan" and overflow are refused). Anything else, out-of-range values
// included, gives nullopt, so callers only add their own range checks and messages.
//
// Thread-safety: pure function.
#pragma once

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace hermes {

template <typename T>
std::optional<T> ParseNumber(std::string_view s) {
  T v{};
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) return std::nullopt;
  }
  return v;
}

}  // namespace hermes
