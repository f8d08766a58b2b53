// url, headers, bearer_token_file and tls_config; see http_target.h.
#include "config/http_target.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>

#include "config/address_syntax.h"
#include "config/yaml_util.h"

namespace hermes::config::internal {
namespace {

bool IsHeaderName(std::string_view name) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

Status ParseHeaders(const MapReader& m, std::map<std::string, std::string>* out) {
  std::optional<MapReader> h;
  HERMES_RETURN_IF_ERROR(m.Map("headers", &h));
  if (!h) return Status::Ok();
  for (const std::string& name : h->Keys()) {
    if (!IsHeaderName(name)) return h->KeyError(name, "not a valid HTTP header name");
    if (boost::algorithm::iequals(name, "Authorization") ||
        boost::algorithm::iequals(name, "Proxy-Authorization")) {
      return h->KeyError(name,
                         "credentials must not be written into the config; put the token "
                         "in a file and set bearer_token_file");
    }
    std::string value;
    HERMES_RETURN_IF_ERROR(h->String(name, &value));
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return h->KeyError(name, "header values must not contain line breaks or NUL");
    }
    (*out)[name] = std::move(value);
  }
  return Status::Ok();
}

Status ParseTlsConfig(const MapReader& m, const std::string& base_dir,
                      std::optional<TlsConfig>* out) {
  std::optional<MapReader> t;
  HERMES_RETURN_IF_ERROR(m.Map("tls_config", &t));
  if (!t) return Status::Ok();
  static constexpr std::string_view kKeys[] = {
      "ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version"};
  static constexpr std::string_view kVersions[] = {"TLS12", "TLS13"};
  HERMES_RETURN_IF_ERROR(t->CheckKeys(kKeys));
  TlsConfig c;
  HERMES_RETURN_IF_ERROR(t->FilePath("ca_file", base_dir, &c.ca_file));
  HERMES_RETURN_IF_ERROR(t->FilePath("cert_file", base_dir, &c.cert_file));
  HERMES_RETURN_IF_ERROR(t->FilePath("key_file", base_dir, &c.key_file));
  HERMES_RETURN_IF_ERROR(t->String("server_name", &c.server_name));
  if (!c.server_name.empty() && !IsValidHost(c.server_name)) {
    return t->KeyError("server_name", "\"" + c.server_name + "\" is not a valid host name");
  }
  HERMES_RETURN_IF_ERROR(t->Bool("insecure_skip_verify", &c.insecure_skip_verify));
  HERMES_RETURN_IF_ERROR(t->Enum("min_version", kVersions, &c.min_version));
  if (c.cert_file.empty() != c.key_file.empty()) {
    return t->Error(std::string(c.cert_file.empty() ? "key_file" : "cert_file") +
                    " is set without " + (c.cert_file.empty() ? "cert_file" : "key_file") +
                    "; a client certificate needs both");
  }
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace

Status ParseHttpTarget(const MapReader& m, const std::string& base_dir, HttpTarget* out) {
  HERMES_RETURN_IF_ERROR(m.Required("url", "an http:// or https:// URL", &out->url));
  if (Status st = CheckHttpUrl(out->url); !st.ok()) return m.KeyError("url", st.message());
  HERMES_RETURN_IF_ERROR(ParseHeaders(m, &out->headers));
  HERMES_RETURN_IF_ERROR(m.FilePath("bearer_token_file", base_dir, &out->bearer_token_file));
  return ParseTlsConfig(m, base_dir, &out->tls_config);
}

}  // namespace hermes::config::internal
