#include "common/redact.h"

#include <array>

namespace hermes {
namespace {

// Compares a key with a lowercase, underscore-separated name; ASCII case and
// '-' vs '_' are ignored ("Proxy-Authorization" matches "proxy_authorization").
bool KeyEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x == '-') x = '_';
    if (x != y) return false;
  }
  return true;
}

// True when `key` ends in `suffix` (compared as by KeyEquals) after at least one
// more character: "db_password" ends in "_password", "_password" does not.
bool KeyEndsWith(std::string_view key, std::string_view suffix) {
  return key.size() > suffix.size() && KeyEquals(key.substr(key.size() - suffix.size()), suffix);
}

bool IsUrlKey(std::string_view key) { return KeyEquals(key, "url") || KeyEndsWith(key, "_url"); }

}  // namespace

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kExact = {
      "authorization", "proxy_authorization", "token",  "password",
      "bearer_token",  "credentials",         "secret", "cookie"};
  for (std::string_view k : kExact) {
    if (KeyEquals(key, k)) return true;
  }
  for (std::string_view suffix : {"_token", "_password", "_secret"}) {
    if (KeyEndsWith(key, suffix)) return true;
  }
  return false;
}

std::string RedactUrl(std::string_view url) {
  std::string_view scheme;
  std::string_view rest = url;
  size_t sep = url.find("://");
  if (sep != std::string_view::npos && url.find_first_of("/?#") > sep) {
    scheme = url.substr(0, sep + 3);
    rest = url.substr(sep + 3);
  }
  // Userinfo is cut before the query and fragment so that an unencoded '?' or '#'
  // inside a password ("u:p#w@h") cannot hide the '@' and leak the credentials.
  std::string_view authority = rest.substr(0, rest.find('/'));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  rest = rest.substr(0, rest.find_first_of("?#"));
  return std::string(scheme) + std::string(rest);
}

std::string RedactField(std::string_view key, std::string_view value) {
  if (IsSecretKey(key)) return std::string(kRedacted);
  if (IsUrlKey(key)) return RedactUrl(value);
  return std::string(value);
}

}  // namespace hermes
