// Typed reading of YAML maps and scalars with key-path errors; see yaml_util.h.
#include "config/yaml_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "common/parse_number.h"
#include "config/parse.h"

namespace hermes::config::internal {
namespace {

std::string QuoteScalar(const YAML::Node& n) { return "\"" + n.Scalar() + "\""; }

bool IsQuoted(const YAML::Node& n) { return n.Tag() == "!"; }

// "must be X, got Y" for a node of the wrong shape.
Status WrongType(const YAML::Node& n, const std::string& path, int line, const std::string& want) {
  return ErrorAt(path, line, "must be " + want + ", got " + DescribeNode(n));
}

}  // namespace

std::string JoinKey(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string JoinIndex(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

Status ErrorAt(const std::string& path, int line, const std::string& msg) {
  std::string where = path;
  if (line > 0) {
    where +=
        where.empty() ? "line " + std::to_string(line) : " (line " + std::to_string(line) + ")";
  }
  return Status::Invalid(where.empty() ? msg : where + ": " + msg);
}

std::string DescribeNode(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return QuoteScalar(n);
}

Status ReadString(const YAML::Node& n, const std::string& path, int line, std::string* out) {
  if (!n.IsScalar()) return WrongType(n, path, line, "a string");
  if (n.Scalar().size() > kMaxStringBytes) {
    return ErrorAt(path, line,
                   "is " + std::to_string(n.Scalar().size()) + " characters long; at most " +
                       std::to_string(kMaxStringBytes) + " are allowed");
  }
  *out = n.Scalar();
  return Status::Ok();
}

Status ReadBool(const YAML::Node& n, const std::string& path, int line, bool* out) {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE"};
  if (n.IsScalar() && !IsQuoted(n)) {
    for (std::string_view t : kTrue) {
      if (n.Scalar() == t) return *out = true, Status::Ok();
    }
    for (std::string_view f : kFalse) {
      if (n.Scalar() == f) return *out = false, Status::Ok();
    }
  }
  return WrongType(n, path, line, "true or false");
}

Status ReadInt(const YAML::Node& n, const std::string& path, int line, int64_t min, int64_t max,
               int64_t* out) {
  const std::string want =
      "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!n.IsScalar() || IsQuoted(n)) return WrongType(n, path, line, want);
  const std::string& s = n.Scalar();
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ptr != s.data() + s.size() || begin == ptr) return WrongType(n, path, line, want);
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    return ErrorAt(
        path, line,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
  }
  *out = v;
  return Status::Ok();
}

Status ReadDouble(const YAML::Node& n, const std::string& path, int line, double* out) {
  if (!n.IsScalar() || IsQuoted(n)) return WrongType(n, path, line, "a number");
  const std::optional<double> v = ParseNumber<double>(n.Scalar());
  if (!v) return WrongType(n, path, line, "a number");
  *out = *v;
  return Status::Ok();
}

Status CheckOneOf(const std::string& value, std::span<const std::string_view> allowed,
                  const std::string& path, int line) {
  std::string list;
  for (std::string_view a : allowed) {
    if (a == value) return Status::Ok();
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return ErrorAt(path, line, "must be one of " + list + ", got \"" + value + "\"");
}

Result<MapReader> MapReader::Make(const YAML::Node& node, const std::string& path) {
  MapReader reader(path, LineOf(node));
  if (node.IsNull()) return reader;
  if (!node.IsMap()) return WrongType(node, path, LineOf(node), "a map");
  // Key -> line, for duplicates: a linear Find() per key made a 1 MiB map of
  // ~100k keys take about a minute (quadratic).
  std::unordered_map<std::string, int> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary
    const int line = LineOf(key);
    if (!key.IsScalar()) {
      return ErrorAt(path, line, "keys must be plain strings, got " + DescribeNode(key));
    }
    const std::string& name = key.Scalar();
    if (name == "<<" && !IsQuoted(key)) {
      return ErrorAt(path, line, "YAML merge keys (<<) are not allowed; write the keys out");
    }
    if (auto [first, inserted] = seen.emplace(name, line); !inserted) {
      return ErrorAt(JoinKey(path, name), line,
                     "duplicate key (first set on line " + std::to_string(first->second) +
                         "); remove one of them");
    }
    reader.entries_.push_back({name, line, it->second});
  }
  return reader;
}

const MapReader::Entry* MapReader::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

YAML::Node MapReader::Get(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr ? e->value : YAML::Node(YAML::NodeType::Undefined);
}

int MapReader::LineOfKey(std::string_view key) const {
  const Entry* e = Find(key);
  return e != nullptr ? e->line : line_;
}

std::vector<std::string> MapReader::Keys() const {
  std::vector<std::string> keys;
  for (const Entry& e : entries_) keys.push_back(e.key);
  return keys;
}

Status MapReader::CheckKeys(std::span<const std::string_view> allowed) const {
  for (const Entry& e : entries_) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == e.key;
    if (ok) continue;
    std::string valid;
    for (std::string_view a : allowed) valid += (valid.empty() ? "" : ", ") + std::string(a);
    return KeyError(e.key, "unknown key; valid keys here are: " + valid);
  }
  return Status::Ok();
}

Status MapReader::KeyError(std::string_view key, const std::string& msg) const {
  return ErrorAt(PathOf(key), LineOfKey(key), msg);
}

Status MapReader::String(std::string_view key, std::string* out) const {
  const Entry* e = Find(key);
  return e == nullptr ? Status::Ok() : ReadString(e->value, PathOf(key), e->line, out);
}

Status MapReader::NonEmptyString(std::string_view key, std::string* out) const {
  std::string value;
  HERMES_RETURN_IF_ERROR(String(key, &value));
  if (Has(key) && value.empty()) return KeyError(key, "must not be empty");
  if (Has(key)) *out = std::move(value);
  return Status::Ok();
}

Status MapReader::Required(std::string_view key, const std::string& what, std::string* out) const {
  if (!Has(key)) return ErrorAt(PathOf(key), line_, "missing; set it to " + what);
  return NonEmptyString(key, out);
}

Status MapReader::Bool(std::string_view key, bool* out) const {
  const Entry* e = Find(key);
  return e == nullptr ? Status::Ok() : ReadBool(e->value, PathOf(key), e->line, out);
}

Status MapReader::Int(std::string_view key, int64_t min, int64_t max, int* out) const {
  const Entry* e = Find(key);
  if (e == nullptr) return Status::Ok();
  int64_t v = 0;
  HERMES_RETURN_IF_ERROR(ReadInt(e->value, PathOf(key), e->line, min, max, &v));
  *out = static_cast<int>(v);
  return Status::Ok();
}

namespace {

// Reads a string value and converts it with one of the unit parsers.
template <typename T, typename Parser>
Status ReadUnit(const MapReader& map, std::string_view key, Parser parse, T* out) {
  if (!map.Has(key)) return Status::Ok();
  std::string text;
  HERMES_RETURN_IF_ERROR(map.String(key, &text));
  auto parsed = parse(text);
  if (!parsed.ok()) return map.KeyError(key, parsed.status().message());
  *out = *parsed;
  return Status::Ok();
}

}  // namespace

Status MapReader::Dur(std::string_view key, Duration* out) const {
  return ReadUnit(
      *this, key, [](std::string_view t) { return ParseDuration(t); }, out);
}

Status MapReader::Size(std::string_view key, uint64_t* out) const {
  return ReadUnit(
      *this, key, [](std::string_view t) { return ParseSize(t); }, out);
}

Status MapReader::Rate(std::string_view key, double* out) const {
  return ReadUnit(
      *this, key, [](std::string_view t) { return ParseRate(t); }, out);
}

Status MapReader::Enum(std::string_view key, std::span<const std::string_view> allowed,
                       std::string* out) const {
  std::string value;
  HERMES_RETURN_IF_ERROR(String(key, &value));
  if (!Has(key)) return Status::Ok();
  HERMES_RETURN_IF_ERROR(CheckOneOf(value, allowed, PathOf(key), LineOfKey(key)));
  *out = std::move(value);
  return Status::Ok();
}

Status MapReader::StringList(std::string_view key, std::vector<std::string>* out) const {
  std::vector<YAML::Node> items;
  HERMES_RETURN_IF_ERROR(List(key, &items));
  if (!Has(key)) return Status::Ok();
  out->clear();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string s;
    HERMES_RETURN_IF_ERROR(ReadString(items[i], JoinIndex(PathOf(key), i), LineOf(items[i]), &s));
    out->push_back(std::move(s));
  }
  return Status::Ok();
}

Status MapReader::FilePath(std::string_view key, const std::string& base_dir,
                           std::string* out) const {
  HERMES_RETURN_IF_ERROR(String(key, out));
  *out = ResolvePath(base_dir, *out);
  return Status::Ok();
}

Status MapReader::Map(std::string_view key, std::optional<MapReader>* out) const {
  const Entry* e = Find(key);
  if (e == nullptr) return Status::Ok();
  auto map = MapReader::Make(e->value, PathOf(key));
  if (!map.ok()) return map.status();
  map->line_ = e->line;  // the key's line reads better than the value's for block maps
  *out = std::move(*map);
  return Status::Ok();
}

Status MapReader::List(std::string_view key, std::vector<YAML::Node>* out) const {
  const Entry* e = Find(key);
  if (e == nullptr) return Status::Ok();
  out->clear();
  if (e->value.IsNull()) return Status::Ok();
  if (!e->value.IsSequence()) return WrongType(e->value, PathOf(key), e->line, "a list");
  for (const YAML::Node& item : e->value) out->push_back(item);
  return Status::Ok();
}

}  // namespace hermes::config::internal
