#include "config/dns_config.h"

#include "config/address_syntax.h"
#include "config/yaml_util.h"

namespace hermes::config {

Result<std::shared_ptr<const KindSettings>> ParseDns(const internal::MapReader& m,
                                                     const KindParseContext&) {
  auto s = std::make_shared<DnsConfig>();
  HERMES_RETURN_IF_ERROR(m.Required("query", "the DNS name to look up", &s->query));
  if (!internal::IsDnsName(s->query)) {
    return m.KeyError("query", "\"" + s->query + "\" is not a valid DNS name");
  }
  static constexpr std::string_view kTypes[] = {"A",   "AAAA", "CNAME", "MX", "NS",
                                                "PTR", "SOA",  "SRV",   "TXT"};
  static constexpr std::string_view kTransports[] = {"udp", "tcp"};
  static constexpr std::string_view kRcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                                 "NXDOMAIN", "NOTIMP",  "REFUSED"};
  HERMES_RETURN_IF_ERROR(m.Enum("type", kTypes, &s->query_type));
  std::string server;
  HERMES_RETURN_IF_ERROR(m.NonEmptyString("server", &server));
  if (!server.empty()) {
    Status st = internal::CheckHostPort(server, /*default_port=*/53, &s->server);
    if (!st.ok()) return m.KeyError("server", st.message());
  }
  HERMES_RETURN_IF_ERROR(m.Enum("transport", kTransports, &s->transport));
  HERMES_RETURN_IF_ERROR(m.StringList("valid_rcodes", &s->valid_rcodes));
  if (m.Has("valid_rcodes") && s->valid_rcodes.empty()) {
    return m.KeyError("valid_rcodes", "must list at least one rcode, e.g. [NOERROR]");
  }
  const YAML::Node rcodes = m.Get("valid_rcodes");
  for (size_t i = 0; i < s->valid_rcodes.size(); ++i) {
    HERMES_RETURN_IF_ERROR(internal::CheckOneOf(s->valid_rcodes[i], kRcodes,
                                                internal::JoinIndex(m.PathOf("valid_rcodes"), i),
                                                internal::LineOf(rcodes[i])));
  }
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
