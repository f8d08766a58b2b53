// JSON string literals, written once for every JSON (and logfmt) line hermes emits:
// the logger and the /-/status document.
//
// Output is always valid JSON in valid UTF-8, whatever the input bytes: '"', '\\',
// \n, \r and \t get their short escapes, other control characters and DEL become
// \u00XX, well-formed UTF-8 passes through, and each byte of an invalid sequence
// (overlong forms, surrogates, code points above U+10FFFF, truncated sequences)
// becomes \ufffd. logfmt readers (go-logfmt) accept the same escapes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hermes {

// Appends `s` to `out` as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);

// Length (1 to 4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the
// bytes there are not one. Requires i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace hermes
