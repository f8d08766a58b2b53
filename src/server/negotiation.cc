#include "server/negotiation.h"

#include <algorithm>
#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/trim.hpp>

#include "common/parse_number.h"

namespace hermes::server {
namespace {

// Optional white space (RFC 9110 OWS) around list elements and parameters.
std::string_view Trim(std::string_view s) {
  return boost::algorithm::trim_copy_if(s, boost::algorithm::is_any_of(" \t"));
}

std::string Lower(std::string_view s) { return boost::algorithm::to_lower_copy(std::string(s)); }

// Splits at `sep` outside double-quoted strings.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] == sep && !quoted) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

std::string Unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

// A q-value that is not a number in [0, 1] counts as 0, so a malformed preference
// never selects anything.
double ParseQ(std::string_view v) {
  const std::optional<double> q = ParseNumber<double>(v);
  return q && *q >= 0 && *q <= 1 ? *q : 0;
}

}  // namespace

std::optional<std::string_view> HeaderElement::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<HeaderElement> ParseHeaderList(std::string_view header) {
  std::vector<HeaderElement> out;
  for (std::string_view item : Split(header, ',')) {
    const std::vector<std::string_view> parts = Split(item, ';');
    const std::string_view value = Trim(parts[0]);
    if (value.empty()) continue;
    HeaderElement e;
    e.value = Lower(value);
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string_view p = Trim(parts[i]);
      const size_t eq = p.find('=');
      const std::string name = Lower(Trim(p.substr(0, eq)));
      const std::string_view v = eq == std::string_view::npos ? "" : Trim(p.substr(eq + 1));
      if (name == "q") {
        e.q = ParseQ(v);
      } else if (!name.empty()) {
        e.params.emplace_back(name, Unquote(v));
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  double named = -1, star = -1;  // -1: not in the header
  for (const HeaderElement& e : ParseHeaderList(accept_encoding)) {
    if (e.value == "gzip" || e.value == "x-gzip") named = std::max(named, e.q);
    if (e.value == "*") star = std::max(star, e.q);
  }
  // "*" stands only for codings the header does not name.
  return (named >= 0 ? named : star) > 0;
}

}  // namespace hermes::server
