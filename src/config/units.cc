// Unit parsers for hermes.yml: Prometheus durations, byte sizes and rates.
//
// All three reject empty input, signs, spaces, unknown units and values that do
// not fit their type, so a typo never silently becomes a different number.
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/parse_number.h"
#include "config/parse.h"

namespace hermes::config {
namespace {

struct Unit {
  std::string_view name;
  double factor;
};

// Duration units in the order Prometheus requires them, with their length in ms.
constexpr struct {
  std::string_view name;
  int64_t ms;
} kDurationUnits[] = {{"y", 365ll * 24 * 3600 * 1000},
                      {"w", 7ll * 24 * 3600 * 1000},
                      {"d", 24ll * 3600 * 1000},
                      {"h", 3600ll * 1000},
                      {"m", 60ll * 1000},
                      {"s", 1000},
                      {"ms", 1}};

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Splits "12.5MB" into its number and unit; false when the number part is malformed.
bool SplitNumber(std::string_view text, bool allow_fraction, std::string_view* number,
                 std::string_view* unit) {
  size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == 0) return false;
  if (allow_fraction && i < text.size() && text[i] == '.') {
    size_t frac = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == frac) return false;
  }
  *number = text.substr(0, i);
  *unit = text.substr(i);
  return true;
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  const std::string hint = "; use Prometheus duration syntax such as 500ms, 15s, 5m, 1h30m";
  if (text.empty()) return Status::Invalid("empty duration" + hint);
  if (text == "0") return Duration::zero();
  constexpr uint64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;
  const Status bad = Status::Invalid("invalid duration " + Quote(text) + hint);
  uint64_t total_ms = 0;
  size_t next_unit = 0;  // units must appear in decreasing order, each at most once
  std::string_view rest = text;
  while (!rest.empty()) {
    std::string_view number, tail;
    if (!SplitNumber(rest, /*allow_fraction=*/false, &number, &tail)) return bad;
    size_t unit_len = 0;
    while (unit_len < tail.size() && !IsDigit(tail[unit_len])) ++unit_len;
    std::string_view unit = tail.substr(0, unit_len);
    size_t u = next_unit;
    while (u < std::size(kDurationUnits) && kDurationUnits[u].name != unit) ++u;
    if (u == std::size(kDurationUnits)) return bad;
    const auto unit_ms = static_cast<uint64_t>(kDurationUnits[u].ms);
    std::optional<uint64_t> n = ParseNumber<uint64_t>(number);
    if (!n || *n > kMaxMs / unit_ms || total_ms + *n * unit_ms > kMaxMs) {
      return Status::Invalid("duration " + Quote(text) + " is too large");
    }
    total_ms += *n * unit_ms;
    next_unit = u + 1;
    rest = tail.substr(unit_len);
  }
  return Duration(std::chrono::milliseconds(total_ms));
}

Result<uint64_t> ParseSize(std::string_view text) {
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"B", 1},
                                    {"kB", 1e3},
                                    {"MB", 1e6},
                                    {"GB", 1e9},
                                    {"TB", 1e12},
                                    {"KiB", 1024.0},
                                    {"MiB", 1048576.0},
                                    {"GiB", 1073741824.0},
                                    {"TiB", 1099511627776.0}};
  const Status bad = Status::Invalid("invalid size " + Quote(text) +
                                     "; use a byte count or a number with one of the units "
                                     "B kB MB GB TB KiB MiB GiB TiB, e.g. 500MB");
  std::string_view number, unit;
  if (!SplitNumber(text, /*allow_fraction=*/true, &number, &unit)) return bad;
  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) return bad;
  const Status too_large = Status::Invalid("size " + Quote(text) + " is too large");
  if (number.find('.') == std::string_view::npos) {
    // Integer path keeps exact byte counts above 2^53.
    std::optional<uint64_t> n = ParseNumber<uint64_t>(number);
    const auto factor = static_cast<uint64_t>(found->factor);
    if (!n || *n > std::numeric_limits<uint64_t>::max() / factor) return too_large;
    return *n * factor;
  }
  std::optional<double> v = ParseNumber<double>(number);
  if (!v) return bad;
  const double bytes = std::round(*v * found->factor);
  if (bytes >= 18446744073709551616.0) return too_large;
  return static_cast<uint64_t>(bytes);
}

Result<double> ParseRate(std::string_view text) {
  // Factors convert to bytes per second: bit rates divide by 8.
  static constexpr Unit kUnits[] = {
      {"bit", 1.0 / 8},       {"kbit", 1e3 / 8},  {"Kbit", 1e3 / 8}, {"Mbit", 1e6 / 8},
      {"Gbit", 1e9 / 8},      {"Tbit", 1e12 / 8}, {"B/s", 1},        {"kB/s", 1e3},
      {"MB/s", 1e6},          {"GB/s", 1e9},      {"KiB/s", 1024.0}, {"MiB/s", 1048576.0},
      {"GiB/s", 1073741824.0}};
  const Status bad = Status::Invalid(
      "invalid rate " + Quote(text) +
      "; use a number with one of the units bit kbit Mbit Gbit Tbit (bits per second) or "
      "B/s kB/s MB/s GB/s KiB/s MiB/s GiB/s, e.g. 100Mbit");
  std::string_view number, unit;
  if (!SplitNumber(text, /*allow_fraction=*/true, &number, &unit)) return bad;
  // Bit units may carry an explicit "/s" ("100Mbit/s").
  if (unit.size() > 5 && unit.ends_with("bit/s")) unit.remove_suffix(2);
  if (unit == "bit/s") unit = "bit";
  for (const Unit& u : kUnits) {
    if (u.name != unit) continue;
    std::optional<double> v = ParseNumber<double>(number);
    if (!v) return bad;
    const double rate = *v * u.factor;
    if (!std::isfinite(rate)) return Status::Invalid("rate " + Quote(text) + " is too large");
    return rate;
  }
  return bad;
}

std::string FormatDuration(Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms <= 0) return "0s";
  std::string out;
  for (const auto& u : kDurationUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + std::string(u.name);
      ms %= u.ms;
    }
  }
  return out;
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1000) return std::to_string(bytes) + "B";
  double v = static_cast<double>(bytes) / 1000;
  size_t u = 0;
  while (v >= 999.95 && u + 1 < std::size(kUnits)) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string number(buf);
  if (number.ends_with(".0")) number.resize(number.size() - 2);
  return number + kUnits[u];
}

}  // namespace hermes::config
