// Loading a YAML document strictly, and reading config files; see yaml_util.h.
#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

#include "config/yaml_util.h"

namespace hermes::config::internal {
namespace {

// Walks parser events to find what yaml-cpp would resolve silently: anchors,
// aliases and extra documents. Tracks the key path of every node so the error
// names where the construct is.
class StrictnessScanner : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { doc_line_ = mark.line + 1; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { BeginNode(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    const std::string path = BeginNode(mark, YAML::NullAnchor);
    if (alias_error_.ok()) {
      alias_error_ =
          ErrorAt(path, mark.line + 1, "YAML aliases (*name) are not allowed; write the value out");
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
      anchor_error_ =
          ErrorAt(path, mark.line + 1, "YAML anchors (&name) are not allowed; write the value out");
    }
    return path;
  }

  std::vector<Frame> stack_;
  int doc_line_ = 0;
  Status anchor_error_;
  Status alias_error_;
};

}  // namespace

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

std::string DirOf(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? "" : abs.parent_path().string();
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

}  // namespace hermes::config::internal
