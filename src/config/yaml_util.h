// Strict YAML walking shared by hermes.yml and the web config (internal to config/).
//
// LoadStrictYaml() parses one document and refuses what yaml-cpp would accept
// silently: anchors, aliases, several documents, oversized input. MapReader wraps a
// mapping, rejects duplicate and merge keys, and reads typed values so that every
// error message has the form "<key path> (line N): <what is wrong>"; with an empty
// key path the message is "line N: ...". Lines are 1-based.
//
// Thread-safety: plain values; no shared state.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace hermes::config::internal {

// "a.b" / "a[3]"; an empty parent yields just the key.
std::string JoinKey(const std::string& path, std::string_view key);
std::string JoinIndex(const std::string& path, size_t index);

// 1-based line of a node; 0 when unknown.
int LineOf(const YAML::Node& node);

// "<path> (line N): <msg>", leaving out whichever part is unknown.
Status ErrorAt(const std::string& path, int line, const std::string& msg);

// Parses `text` as a single YAML document. An empty document yields a Null node.
Result<YAML::Node> LoadStrictYaml(std::string_view text, size_t max_bytes);

// Reads a whole file, refusing files over `max_bytes`. Messages do not name the
// path (callers prefix it).
Result<std::string> ReadFileLimited(const std::string& path, size_t max_bytes);

// The absolute directory holding file `path` ("" if it cannot be determined).
std::string DirOf(const std::string& path);

// Resolves a relative path against `base_dir` (unchanged when either is empty or
// the path is absolute).
std::string ResolvePath(const std::string& base_dir, const std::string& path);

// "a map", "a list", "a string", "null": for "must be X, got Y" messages.
std::string DescribeNode(const YAML::Node& node);

// The longest string value any key takes (URLs, header values, paths, names): more
// is a mistake, not a configuration.
inline constexpr size_t kMaxStringBytes = 8192;

// Scalar readers for one node at `path`; `line` is used in messages.
Status ReadString(const YAML::Node& n, const std::string& path, int line, std::string* out);
Status ReadBool(const YAML::Node& n, const std::string& path, int line, bool* out);
Status ReadInt(const YAML::Node& n, const std::string& path, int line, int64_t min, int64_t max,
               int64_t* out);
Status ReadDouble(const YAML::Node& n, const std::string& path, int line, double* out);
// "must be one of A, B, got "C"" unless `value` is in `allowed`.
Status CheckOneOf(const std::string& value, std::span<const std::string_view> allowed,
                  const std::string& path, int line);

class MapReader {
 public:
  // Fails when `node` is not a map, or has a non-string, duplicate or merge key.
  static Result<MapReader> Make(const YAML::Node& node, const std::string& path);

  const std::string& path() const { return path_; }
  int line() const { return line_; }
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The value for `key`, or an undefined node.
  YAML::Node Get(std::string_view key) const;
  std::string PathOf(std::string_view key) const { return JoinKey(path_, key); }
  int LineOfKey(std::string_view key) const;
  // Keys in document order.
  std::vector<std::string> Keys() const;

  // Rejects the first key not in `allowed`, listing the valid ones.
  Status CheckKeys(std::span<const std::string_view> allowed) const;

  // Errors located at a key (its path and line) or at the map itself.
  Status KeyError(std::string_view key, const std::string& msg) const;
  Status Error(const std::string& msg) const { return ErrorAt(path_, line_, msg); }

  // Typed readers: an absent key leaves *out unchanged and returns OK. Null values
  // are errors ("must be ..., got null").
  Status String(std::string_view key, std::string* out) const;
  Status NonEmptyString(std::string_view key, std::string* out) const;
  // A non-empty string that must be present; `what` tells the user what to write.
  Status Required(std::string_view key, const std::string& what, std::string* out) const;
  Status Bool(std::string_view key, bool* out) const;
  Status Int(std::string_view key, int64_t min, int64_t max, int* out) const;
  Status Dur(std::string_view key, Duration* out) const;
  Status Size(std::string_view key, uint64_t* out) const;
  Status Rate(std::string_view key, double* out) const;
  // A string that must be one of `allowed`.
  Status Enum(std::string_view key, std::span<const std::string_view> allowed,
              std::string* out) const;
  Status StringList(std::string_view key, std::vector<std::string>* out) const;
  // A string naming a file, resolved against `base_dir`; "" means unset.
  Status FilePath(std::string_view key, const std::string& base_dir, std::string* out) const;
  // A nested map (null counts as empty); *out stays empty when the key is absent.
  Status Map(std::string_view key, std::optional<MapReader>* out) const;
  // A sequence (null counts as empty); *out stays empty when the key is absent.
  Status List(std::string_view key, std::vector<YAML::Node>* out) const;

 private:
  struct Entry {
    std::string key;
    int line;
    YAML::Node value;
  };
  MapReader(std::string path, int line) : path_(std::move(path)), line_(line) {}
  const Entry* Find(std::string_view key) const;

  std::string path_;
  int line_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace hermes::config::internal
