// Redaction of secrets in log fields. Log() (common/log.h) passes every field
// through RedactField() before the line is rendered, so a token, password or
// credential-bearing URL never reaches a sink.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace hermes {

inline constexpr std::string_view kRedacted = "<redacted>";

// True for keys whose value is a secret (case-insensitive): authorization,
// proxy_authorization, token, password, bearer_token, credentials, secret, cookie,
// and any key ending in "_token", "_password" or "_secret".
bool IsSecretKey(std::string_view key);

// Drops userinfo, query string and fragment: "https://u:p@h/x?token=1#f" ->
// "https://h/x". Also handles scheme-less values ("u:p@h:1/x?q" -> "h:1/x").
std::string RedactUrl(std::string_view url);

// The value to log for field `key`: kRedacted when IsSecretKey(key), RedactUrl(value)
// when the key is "url" or ends in "_url", otherwise `value` unchanged. Keys compare
// ignoring ASCII case and '-' vs '_' ("Proxy-Authorization", "Target-URL").
std::string RedactField(std::string_view key, std::string_view value);

}  // namespace hermes
