// The pieces of the Prometheus text exposition format (version 0.0.4) that hermes
// writes by hand: sample values, label values and HELP text, appended to a string.
//
// Stateless free functions; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hermes::metrics {

// A sample value: an integral value below 2^63 in magnitude as a plain integer (no
// exponent, no fraction), any other finite value as the shortest decimal that parses
// back to the same double, with an exponent only below 1e-4 or from 1e17 on (as
// printf's %g with 17 significant digits: bucket bounds become `le` label values, which must keep
// their spelling across versions), and NaN, +Inf, -Inf as the format spells them.
void AppendValue(std::string& out, double v);
void AppendUint(std::string& out, uint64_t v);
// A label value with backslash, double quote and line feed escaped.
void AppendLabelValue(std::string& out, std::string_view v);
// A HELP docstring with backslash and line feed escaped.
void AppendHelp(std::string& out, std::string_view v);

}  // namespace hermes::metrics
