// Kind-specific keys of a probe: speedtest, http, tcp, dns, icmp; see probe_parse.h.
#include <algorithm>
#include <cctype>

#include "config/address_syntax.h"
#include "config/parse.h"
#include "config/probe_parse.h"

namespace hermes::config::internal {
namespace {

bool IsHeaderName(std::string_view name) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// A required, non-empty string key; `what` tells the user what to write.
Status Required(const MapReader& m, std::string_view key, const std::string& what,
                std::string* out) {
  if (!m.Has(key)) {
    return ErrorAt(m.PathOf(key), m.line(), "missing; set it to " + what);
  }
  return m.NonEmptyString(key, out);
}

Status ParseUrl(const MapReader& m, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(Required(m, "url", "an http:// or https:// URL", &p->url));
  Status st = CheckHttpUrl(p->url);
  return st.ok() ? st : m.KeyError("url", st.message());
}

Status ParseHeaders(const MapReader& m, ProbeConfig* p) {
  std::optional<MapReader> h;
  HERMES_RETURN_IF_ERROR(m.Map("headers", &h));
  if (!h) return Status::Ok();
  for (const std::string& name : h->Keys()) {
    if (!IsHeaderName(name)) return h->KeyError(name, "not a valid HTTP header name");
    if (EqualsIgnoreCase(name, "Authorization") || EqualsIgnoreCase(name, "Proxy-Authorization")) {
      return h->KeyError(name,
                         "credentials must not be written into the config; put the token "
                         "in a file and set bearer_token_file");
    }
    std::string value;
    HERMES_RETURN_IF_ERROR(h->String(name, &value));
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return h->KeyError(name, "header values must not contain line breaks or NUL");
    }
    p->headers[name] = std::move(value);
  }
  return Status::Ok();
}

Status ParseTlsConfig(const MapReader& m, const std::string& base_dir, ProbeConfig* p) {
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
  p->tls_config = std::move(c);
  return Status::Ok();
}

// url, headers, bearer_token_file and tls_config: shared by http and speedtest.
Status ParseHttpCommon(const MapReader& m, const std::string& base_dir, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(ParseUrl(m, p));
  HERMES_RETURN_IF_ERROR(ParseHeaders(m, p));
  HERMES_RETURN_IF_ERROR(m.FilePath("bearer_token_file", base_dir, &p->bearer_token_file));
  return ParseTlsConfig(m, base_dir, p);
}

Status ParseTransfer(const MapReader& m, std::string_view key, TransferConfig* t) {
  std::optional<MapReader> r;
  HERMES_RETURN_IF_ERROR(m.Map(key, &r));
  if (!r) return Status::Ok();
  static constexpr std::string_view kKeys[] = {"enabled", "streams", "duration", "warmup",
                                               "max_bytes"};
  HERMES_RETURN_IF_ERROR(r->CheckKeys(kKeys));
  HERMES_RETURN_IF_ERROR(r->Bool("enabled", &t->enabled));
  HERMES_RETURN_IF_ERROR(r->Int("streams", 1, 32, &t->streams));
  HERMES_RETURN_IF_ERROR(r->Dur("duration", &t->duration));
  if (t->duration <= Duration::zero()) return r->KeyError("duration", "must be greater than 0");
  HERMES_RETURN_IF_ERROR(r->Dur("warmup", &t->warmup));
  if (t->warmup >= t->duration) {
    return r->KeyError(r->Has("warmup") ? "warmup" : "duration",
                       "warmup (" + FormatDuration(t->warmup) +
                           ") must be shorter than duration (" + FormatDuration(t->duration) + ")");
  }
  HERMES_RETURN_IF_ERROR(r->Size("max_bytes", &t->max_bytes));
  if (t->max_bytes == 0) return r->KeyError("max_bytes", "must be greater than 0");
  return Status::Ok();
}

Status ParseSamples(const MapReader& m, int default_samples, ProbeConfig* p) {
  p->samples = default_samples;
  return m.Int("samples", 1, 100, &p->samples);
}

}  // namespace

Status ParseSpeedtestKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(ParseHttpCommon(m, base_dir, p));
  std::optional<MapReader> latency;
  HERMES_RETURN_IF_ERROR(m.Map("latency", &latency));
  if (latency) {
    static constexpr std::string_view kKeys[] = {"samples"};
    HERMES_RETURN_IF_ERROR(latency->CheckKeys(kKeys));
    HERMES_RETURN_IF_ERROR(latency->Int("samples", 1, 1000, &p->latency.samples));
  }
  HERMES_RETURN_IF_ERROR(ParseTransfer(m, "download", &p->download));
  HERMES_RETURN_IF_ERROR(ParseTransfer(m, "upload", &p->upload));
  Duration transfers{};
  if (p->download.enabled) transfers += p->download.duration;
  if (p->upload.enabled) transfers += p->upload.duration;
  if (transfers >= p->timeout) {
    return m.KeyError(
        "timeout", "timeout too short for the configured transfers: " + FormatDuration(p->timeout) +
                       " does not exceed the enabled download.duration + "
                       "upload.duration (" +
                       FormatDuration(transfers) + "); raise timeout or shorten the transfers");
  }
  return Status::Ok();
}

Status ParseHttpKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(ParseHttpCommon(m, base_dir, p));
  std::vector<YAML::Node> codes;
  HERMES_RETURN_IF_ERROR(m.List("valid_status_codes", &codes));
  for (size_t i = 0; i < codes.size(); ++i) {
    int64_t code = 0;
    HERMES_RETURN_IF_ERROR(ReadInt(codes[i], JoinIndex(m.PathOf("valid_status_codes"), i),
                                   LineOf(codes[i]), 100, 599, &code));
    p->valid_status_codes.push_back(static_cast<int>(code));
  }
  static constexpr std::string_view kMethods[] = {"GET", "HEAD"};
  HERMES_RETURN_IF_ERROR(m.Bool("follow_redirects", &p->follow_redirects));
  HERMES_RETURN_IF_ERROR(m.Int("max_redirects", 0, 20, &p->max_redirects));
  HERMES_RETURN_IF_ERROR(m.Size("max_body_bytes", &p->max_body_bytes));
  if (p->max_body_bytes == 0) return m.KeyError("max_body_bytes", "must be greater than 0");
  return m.Enum("method", kMethods, &p->method);
}

Status ParseTcpKeys(const MapReader& m, const std::string&, ProbeConfig* p) {
  std::string address;
  HERMES_RETURN_IF_ERROR(Required(m, "address", "host:port (e.g. 192.0.2.1:443)", &address));
  Status st = CheckHostPort(address, /*default_port=*/0, &p->address);
  if (!st.ok()) return m.KeyError("address", st.message());
  return ParseSamples(m, 5, p);
}

Status ParseDnsKeys(const MapReader& m, const std::string&, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(Required(m, "query", "the DNS name to look up", &p->query));
  if (!IsDnsName(p->query)) {
    return m.KeyError("query", "\"" + p->query + "\" is not a valid DNS name");
  }
  static constexpr std::string_view kTypes[] = {"A",   "AAAA", "CNAME", "MX", "NS",
                                                "PTR", "SOA",  "SRV",   "TXT"};
  static constexpr std::string_view kTransports[] = {"udp", "tcp"};
  static constexpr std::string_view kRcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                                 "NXDOMAIN", "NOTIMP",  "REFUSED"};
  HERMES_RETURN_IF_ERROR(m.Enum("type", kTypes, &p->query_type));
  std::string server;
  HERMES_RETURN_IF_ERROR(m.NonEmptyString("server", &server));
  if (!server.empty()) {
    Status st = CheckHostPort(server, /*default_port=*/53, &p->server);
    if (!st.ok()) return m.KeyError("server", st.message());
  }
  HERMES_RETURN_IF_ERROR(m.Enum("transport", kTransports, &p->transport));
  HERMES_RETURN_IF_ERROR(m.StringList("valid_rcodes", &p->valid_rcodes));
  if (m.Has("valid_rcodes") && p->valid_rcodes.empty()) {
    return m.KeyError("valid_rcodes", "must list at least one rcode, e.g. [NOERROR]");
  }
  const YAML::Node rcodes = m.Get("valid_rcodes");
  for (size_t i = 0; i < p->valid_rcodes.size(); ++i) {
    HERMES_RETURN_IF_ERROR(CheckOneOf(p->valid_rcodes[i], kRcodes,
                                      JoinIndex(m.PathOf("valid_rcodes"), i), LineOf(rcodes[i])));
  }
  return Status::Ok();
}

Status ParseIcmpKeys(const MapReader& m, const std::string&, ProbeConfig* p) {
  HERMES_RETURN_IF_ERROR(Required(m, "host", "a host name or IP address", &p->host));
  if (!IsValidHost(p->host)) {
    return m.KeyError("host", "\"" + p->host + "\" is not a valid host name or IP address");
  }
  return ParseSamples(m, 10, p);
}

}  // namespace hermes::config::internal
