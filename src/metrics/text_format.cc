#include "metrics/text_format.h"

#include <charconv>
#include <cmath>

namespace hermes::metrics {
namespace {

template <typename... T>
void AppendChars(std::string& out, T... v) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v...);
  out.append(buf, res.ptr);
}

void AppendEscaped(std::string& out, std::string_view v, bool quote) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        if (quote) {
          out += "\\\"";
          break;
        }
        [[fallthrough]];
      default:
        out.push_back(c);
    }
  }
}

}  // namespace

void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (std::fabs(v) < 0x1p63 && v == std::trunc(v)) {
    AppendChars(out, static_cast<int64_t>(v));
  } else {
    // The shortest digits that parse back to v; plain below 1e17 and from 1e-4 on
    // (0.0001, 1700000120.5), with an exponent outside (1e-05, 1.5e+300) like
    // printf's %g with 17 digits.
    const double a = std::fabs(v);
    AppendChars(out, v,
                a >= 1e-4 && a < 1e17 ? std::chars_format::fixed : std::chars_format::general);
  }
}

void AppendUint(std::string& out, uint64_t v) { AppendChars(out, v); }

void AppendLabelValue(std::string& out, std::string_view v) { AppendEscaped(out, v, true); }

void AppendHelp(std::string& out, std::string_view v) { AppendEscaped(out, v, false); }

}  // namespace hermes::metrics
