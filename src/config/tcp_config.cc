#include "config/tcp_config.h"

#include "config/address_syntax.h"
#include "config/yaml_util.h"

namespace hermes::config {

Result<std::shared_ptr<const KindSettings>> ParseTcp(const internal::MapReader& m,
                                                     const KindParseContext&) {
  auto s = std::make_shared<TcpConfig>();
  std::string address;
  HERMES_RETURN_IF_ERROR(m.Required("address", "host:port (e.g. 192.0.2.1:443)", &address));
  if (Status st = internal::CheckHostPort(address, /*default_port=*/0, &s->address); !st.ok()) {
    return m.KeyError("address", st.message());
  }
  HERMES_RETURN_IF_ERROR(m.Int("samples", 1, 100, &s->samples));
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
