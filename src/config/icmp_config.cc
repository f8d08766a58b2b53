#include "config/icmp_config.h"

#include "config/address_syntax.h"
#include "config/yaml_util.h"

namespace hermes::config {

Result<std::shared_ptr<const KindSettings>> ParseIcmp(const internal::MapReader& m,
                                                      const KindParseContext&) {
  auto s = std::make_shared<IcmpConfig>();
  HERMES_RETURN_IF_ERROR(m.Required("host", "a host name or IP address", &s->host));
  if (!internal::IsValidHost(s->host)) {
    return m.KeyError("host", "\"" + s->host + "\" is not a valid host name or IP address");
  }
  if (Status st = internal::CheckNotUnspecified(s->host); !st.ok()) {
    return m.KeyError("host", st.message());
  }
  HERMES_RETURN_IF_ERROR(m.Int("samples", 1, 100, &s->samples));
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
