#include "probe/nq_config.h"

#include <charconv>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "common/host_port.h"
#include "net/curl_easy.h"

namespace hermes::probe {
namespace {

constexpr int kMaxDepth = 32;

struct JsonMember;

// A parsed JSON value; objects keep their members in order, duplicates included.
struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> items;
  std::vector<JsonMember> members;  // not std::pair: a pair needs Json complete here
};

struct JsonMember {
  std::string name;
  Json value;
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : s_(text) {}

  Result<Json> Document() {
    Json v;
    HERMES_RETURN_IF_ERROR(Value(&v, 0));
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return v;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Invalid("invalid JSON at byte " + std::to_string(pos_) + ": " + what);
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status Value(Json* out, int depth) {
    if (depth > kMaxDepth) return Error("nested deeper than " + std::to_string(kMaxDepth));
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end");
    const char c = s_[pos_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out->type = Json::Type::kString;
      return String(&out->string);
    }
    if (Literal("true") || Literal("false")) {
      out->type = Json::Type::kBool;
      out->boolean = c == 't';
      return Status::Ok();
    }
    if (Literal("null")) return Status::Ok();
    return Number(out);
  }

  Status Object(Json* out, int depth) {
    out->type = Json::Type::kObject;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, Status::Ok();
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a member name");
      std::string name;
      HERMES_RETURN_IF_ERROR(String(&name));
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      Json v;
      HERMES_RETURN_IF_ERROR(Value(&v, depth + 1));
      out->members.push_back({std::move(name), std::move(v)});
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, Status::Ok();
      return Error("expected ',' or '}'");
    }
  }

  Status Array(Json* out, int depth) {
    out->type = Json::Type::kArray;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, Status::Ok();
    for (;;) {
      Json v;
      HERMES_RETURN_IF_ERROR(Value(&v, depth + 1));
      out->items.push_back(std::move(v));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, Status::Ok();
      return Error("expected ',' or ']'");
    }
  }

  // Four hex digits after "\u".
  std::optional<unsigned> Hex4() {
    if (s_.size() - pos_ < 4) return std::nullopt;
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || p != s_.data() + pos_ + 4) return std::nullopt;
    pos_ += 4;
    return v;
  }

  static void AppendUtf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status Escape(std::string* out) {
    if (pos_ >= s_.size()) return Error("unterminated string");
    const char e = s_[pos_++];
    static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (const size_t i = kFrom.find(e); i != std::string_view::npos) {
      out->push_back(kTo[i]);
      return Status::Ok();
    }
    if (e != 'u') return Error("invalid escape");
    auto cp = Hex4();
    if (!cp) return Error("invalid \\u escape");
    if (*cp >= 0xD800 && *cp < 0xDC00) {  // a high surrogate needs its low half
      if (!Literal("\\u")) return Error("unpaired surrogate");
      auto low = Hex4();
      if (!low || *low < 0xDC00 || *low >= 0xE000) return Error("unpaired surrogate");
      *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
    } else if (*cp >= 0xDC00 && *cp < 0xE000) {
      return Error("unpaired surrogate");
    }
    AppendUtf8(*cp, out);
    return Status::Ok();
  }

  Status String(std::string* out) {
    ++pos_;  // the opening quote
    for (;;) {
      if (pos_ >= s_.size()) return Error("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return Status::Ok();
      if (c < 0x20) return Error("control character in a string");
      if (c == '\\') {
        HERMES_RETURN_IF_ERROR(Escape(out));
      } else {
        out->push_back(static_cast<char>(c));
      }
    }
  }

  Status Number(Json* out) {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    const size_t int_start = pos_;
    const size_t n = digits();
    if (n == 0 || (n > 1 && s_[int_start] == '0')) return Error("invalid value");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return Error("invalid number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return Error("invalid number");
    }
    out->type = Json::Type::kNumber;
    std::from_chars(s_.data() + start, s_.data() + pos_, out->number);
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// The members of `obj` named `name`.
std::vector<const Json*> Members(const Json& obj, std::string_view name) {
  std::vector<const Json*> out;
  for (const auto& [n, v] : obj.members) {
    if (n == name) out.push_back(&v);
  }
  return out;
}

Status Invalid(const std::string& what) { return Status::Invalid("config resource: " + what); }

// The member `name` (nullptr when absent), refusing a repeated one.
Result<const Json*> AtMostOnce(const Json& obj, std::string_view name) {
  const auto found = Members(obj, name);
  if (found.size() > 1) return Invalid("\"" + std::string(name) + "\" appears more than once");
  return found.empty() ? nullptr : found.front();
}

// One of the three URLs: the draft's name, or else the older one.
Result<std::string> TestUrl(const Json& urls, std::string_view name, std::string_view old_name) {
  auto current = AtMostOnce(urls, name);
  if (!current.ok()) return current.status();
  auto old = AtMostOnce(urls, old_name);
  if (!old.ok()) return old.status();
  const Json* v = *current != nullptr ? *current : *old;
  if (v == nullptr) {
    return Invalid("urls." + std::string(name) +
                   " is missing (also accepted: " + std::string(old_name) + ")");
  }
  const std::string key(*current != nullptr ? name : old_name);
  if (v->type != Json::Type::kString) return Invalid("urls." + key + " must be a string");
  const std::string& url = v->string;
  const auto parts =
      url.find_first_of(" \t\r\n") == std::string::npos ? net::ParseUrl(url) : std::nullopt;
  if (!parts) return Invalid("urls." + key + " is not a valid URL: \"" + url + "\"");
  if (parts->scheme != "http" && parts->scheme != "https") {
    return Invalid("urls." + key + " must be an http:// or https:// URL, got \"" + url + "\"");
  }
  if (!parts->user.empty() || !parts->password.empty()) {
    return Invalid("urls." + key + " must not carry credentials");
  }
  return url;
}

}  // namespace

std::string UrlOrigin(const std::string& url) {
  const auto p = net::ParseUrl(url);
  if (!p || p->host.empty()) return "";
  return p->scheme + "://" + p->host + ":" + p->port;
}

std::string UrlPath(const std::string& url) {
  const auto p = net::ParseUrl(url);
  return p ? p->path : "/";
}

Result<NqConfig> ParseNqConfig(std::string_view body) {
  auto doc = JsonReader(body).Document();
  if (!doc.ok()) return Invalid(doc.status().message());
  if (doc->type != Json::Type::kObject) return Invalid("must be a JSON object");
  auto version = AtMostOnce(*doc, "version");
  if (!version.ok()) return version.status();
  if (*version == nullptr) return Invalid("\"version\" is missing");
  const Json& v = **version;
  const bool one = (v.type == Json::Type::kNumber && v.number == 1) ||
                   (v.type == Json::Type::kString && v.string == "1");
  if (!one) return Invalid("version must be 1 (the only version this client speaks)");
  auto urls = AtMostOnce(*doc, "urls");
  if (!urls.ok()) return urls.status();
  if (*urls == nullptr || (*urls)->type != Json::Type::kObject) {
    return Invalid("\"urls\" must be an object with the three test URLs");
  }
  NqConfig c;
  for (auto [out, name, old] :
       {std::tuple{&c.large_download_url, "large_download_url", "large_https_download_url"},
        std::tuple{&c.small_download_url, "small_download_url", "small_https_download_url"},
        std::tuple{&c.upload_url, "upload_url", "https_upload_url"}}) {
    auto url = TestUrl(**urls, name, old);
    if (!url.ok()) return url.status();
    *out = std::move(url).value();
  }
  c.origin = UrlOrigin(c.large_download_url);
  for (const std::string* url : {&c.small_download_url, &c.upload_url}) {
    if (UrlOrigin(*url) != c.origin) {
      return Invalid("the three URLs must share scheme, host and port (" + c.origin + " vs " +
                     UrlOrigin(*url) + ")");
    }
  }
  c.tls = c.origin.rfind("https://", 0) == 0;
  auto endpoint = AtMostOnce(*doc, "test_endpoint");
  if (!endpoint.ok()) return endpoint.status();
  if (*endpoint != nullptr) {
    const Json& e = **endpoint;
    const auto host = e.type == Json::Type::kString ? HostAlone(e.string) : std::nullopt;
    if (!host) return Invalid("test_endpoint must be a host name or address, without a port");
    c.test_endpoint = std::string(*host);
  }
  return c;
}

}  // namespace hermes::probe
