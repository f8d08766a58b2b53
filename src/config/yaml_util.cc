// Strict YAML loading and typed map reading; see yaml_util.h.
#include "config/yaml_util.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "config/parse.h"

namespace hermes::config::internal {
namespace {

// Walks parser events to find what yaml-cpp would resolve silently: anchors,
// aliases and extra documents. Tracks the key path of every node so the error
// names where the construct is.
class StrictnessScanner : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { doc_line_ = mark.line + 1; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    BeginNode(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    const std::string path = BeginNode(mark, YAML::NullAnchor);
    if (alias_error_.ok()) {
      alias_error_ = ErrorAt(path, mark.line + 1,
                             "YAML aliases (*name) are not allowed; write the value out");
    }
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    const bool is_key = !stack_.empty() && stack_.back().is_map && stack_.back().expect_key;
    BeginNode(mark, anchor);
    if (is_key) stack_.back().key = value;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    stack_.push_back({false, BeginNode(mark, anchor)});
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    stack_.push_back({true, BeginNode(mark, anchor)});
  }
  void OnMapEnd() override { stack_.pop_back(); }

  int doc_line() const { return doc_line_; }
  // Aliases are the harmful part, so they are reported before the anchor they use.
  Status error() const { return alias_error_.ok() ? anchor_error_ : alias_error_; }

 private:
  struct Frame {
    bool is_map;
    std::string path;
    bool expect_key = true;
    std::string key;
    size_t index = 0;
  };

  // Returns the path of the node that starts here and advances the parent's state.
  std::string BeginNode(const YAML::Mark& mark, YAML::anchor_t anchor) {
    std::string path;
    if (!stack_.empty()) {
      Frame& top = stack_.back();
      if (!top.is_map) {
        path = JoinIndex(top.path, top.index++);
      } else if (top.expect_key) {
        path = top.path;
        top.key.clear();
        top.expect_key = false;
      } else {
        path = JoinKey(top.path, top.key);
        top.expect_key = true;
      }
    }
    if (anchor != YAML::NullAnchor && anchor_error_.ok()) {
      anchor_error_ = ErrorAt(path, mark.line + 1,
                              "YAML anchors (&name) are not allowed; write the value out");
    }
    return path;
  }

  std::vector<Frame> stack_;
  int doc_line_ = 0;
  Status anchor_error_;
  Status alias_error_;
};

std::string QuoteScalar(const YAML::Node& n) { return "\"" + n.Scalar() + "\""; }

bool IsQuoted(const YAML::Node& n) { return n.Tag() == "!"; }

// "must be X, got Y" for a node of the wrong shape.
Status WrongType(const YAML::Node& n, const std::string& path, int line,
                 const std::string& want) {
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
    where += where.empty() ? "line " + std::to_string(line)
                           : " (line " + std::to_string(line) + ")";
  }
  return Status::Invalid(where.empty() ? msg : where + ": " + msg);
}

Result<YAML::Node> LoadStrictYaml(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Status::Invalid("file is " + std::to_string(text.size()) + " bytes, over the " +
                           std::to_string(max_bytes) + "-byte limit; split or trim it");
  }
  const std::string copy(text);
  try {
    std::istringstream in(copy);
    YAML::Parser parser(in);
    StrictnessScanner scanner;
    if (parser.HandleNextDocument(scanner) && parser.HandleNextDocument(scanner)) {
      return ErrorAt("", scanner.doc_line(),
                     "only one YAML document is allowed; remove the extra '---' section");
    }
    HERMES_RETURN_IF_ERROR(scanner.error());
    return YAML::Load(copy);
  } catch (const YAML::Exception& e) {
    return ErrorAt("", e.mark.is_null() ? 0 : e.mark.line + 1, "invalid YAML: " + e.msg);
  }
}

Result<std::string> ReadFileLimited(const std::string& path, size_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return Status::Unavailable(std::string("cannot open file: ") + std::strerror(errno));
  std::string data;
  char buf[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    data.append(buf, n);
    if (data.size() > max_bytes) {
      return Status::Invalid("file is larger than the " + std::to_string(max_bytes) +
                             "-byte limit; split or trim it");
    }
  }
  if (std::ferror(f.get())) {
    return Status::Unavailable(std::string("cannot read file: ") + std::strerror(errno));
  }
  return data;
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

std::string DescribeNode(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return QuoteScalar(n);
}

Status ReadString(const YAML::Node& n, const std::string& path, int line, std::string* out) {
  if (!n.IsScalar()) return WrongType(n, path, line, "a string");
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

Status ReadInt(const YAML::Node& n, const std::string& path, int line, int64_t min,
               int64_t max, int64_t* out) {
  const std::string want = "an integer between " + std::to_string(min) + " and " +
                           std::to_string(max);
  if (!n.IsScalar() || IsQuoted(n)) return WrongType(n, path, line, want);
  const std::string& s = n.Scalar();
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ptr != s.data() + s.size() || begin == ptr) return WrongType(n, path, line, want);
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    return ErrorAt(path, line,
                   "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                       ", got " + s);
  }
  *out = v;
  return Status::Ok();
}

Status ReadDouble(const YAML::Node& n, const std::string& path, int line, double* out) {
  if (!n.IsScalar() || IsQuoted(n)) return WrongType(n, path, line, "a number");
  const std::string& s = n.Scalar();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return WrongType(n, path, line, "a number");
  }
  *out = v;
  return Status::Ok();
}

Result<MapReader> MapReader::Make(const YAML::Node& node, const std::string& path) {
  MapReader reader(path, LineOf(node));
  if (node.IsNull()) return reader;
  if (!node.IsMap()) return WrongType(node, path, LineOf(node), "a map");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node& key = it->first;
    const int line = LineOf(key);
    if (!key.IsScalar()) {
      return ErrorAt(path, line, "keys must be plain strings, got " + DescribeNode(key));
    }
    const std::string& name = key.Scalar();
    if (name == "<<" && !IsQuoted(key)) {
      return ErrorAt(path, line, "YAML merge keys (<<) are not allowed; write the keys out");
    }
    if (const Entry* first = reader.Find(name)) {
      return ErrorAt(JoinKey(path, name), line,
                     "duplicate key (first set on line " + std::to_string(first->line) +
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
  return ReadUnit(*this, key, [](std::string_view t) { return ParseDuration(t); }, out);
}

Status MapReader::Size(std::string_view key, uint64_t* out) const {
  return ReadUnit(*this, key, [](std::string_view t) { return ParseSize(t); }, out);
}

Status MapReader::Rate(std::string_view key, double* out) const {
  return ReadUnit(*this, key, [](std::string_view t) { return ParseRate(t); }, out);
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

Status MapReader::StringMap(std::string_view key,
                            std::map<std::string, std::string>* out) const {
  std::optional<MapReader> map;
  HERMES_RETURN_IF_ERROR(Map(key, &map));
  if (!map) return Status::Ok();
  out->clear();
  for (const Entry& e : map->entries_) {
    HERMES_RETURN_IF_ERROR(map->String(e.key, &(*out)[e.key]));
  }
  return Status::Ok();
}

Status MapReader::FilePath(std::string_view key, const std::string& base_dir,
                           std::string* out) const {
  HERMES_RETURN_IF_ERROR(NonEmptyString(key, out));
  *out = ResolvePath(base_dir, *out);
  return Status::Ok();
}

Status MapReader::Map(std::string_view key, std::optional<MapReader>* out) const {
  const Entry* e = Find(key);
  if (e == nullptr) return Status::Ok();
  auto map = MapReader::Make(e->value, PathOf(key));
  if (!map.ok()) return map.status();
  if (map->line_ == 0) map->line_ = e->line;
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
