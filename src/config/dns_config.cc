#include "config/dns_config.h"

#include <sys/socket.h>

#include "config/address_syntax.h"
#include "config/config.h"
#include "config/yaml_util.h"

namespace hermes::config {

Result<std::shared_ptr<const KindSettings>> ParseDns(const internal::MapReader& m,
                                                     const KindParseContext& ctx) {
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
    const std::string host = s->server.substr(0, s->server.rfind(':'));
    bool unspecified = false;  // refused by CheckHostPort
    const int family = internal::IpLiteralFamily(
        host.front() == '[' ? host.substr(1, host.size() - 2) : host, &unspecified);
    const int only = ctx.path.OnlyFamily();
    if (family != 0 && only != AF_UNSPEC && family != only) {
      return m.KeyError("server", "\"" + server + "\" is not an " +
                                      (only == AF_INET ? "IPv4" : "IPv6") +
                                      " address, the only family this probe's "
                                      "source_ip_address / preferred_ip_protocol allow");
    }
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
