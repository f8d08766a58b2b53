#include "config/http_config.h"

#include "config/yaml_util.h"

namespace hermes::config {

Result<std::shared_ptr<const KindSettings>> ParseHttp(const internal::MapReader& m,
                                                      const KindParseContext& ctx) {
  auto s = std::make_shared<HttpConfig>();
  HERMES_RETURN_IF_ERROR(internal::ParseHttpTarget(m, ctx.base_dir, &s->target));
  std::vector<YAML::Node> codes;
  HERMES_RETURN_IF_ERROR(m.List("valid_status_codes", &codes));
  for (size_t i = 0; i < codes.size(); ++i) {
    int64_t code = 0;
    HERMES_RETURN_IF_ERROR(internal::ReadInt(codes[i],
                                             internal::JoinIndex(m.PathOf("valid_status_codes"), i),
                                             internal::LineOf(codes[i]), 100, 599, &code));
    s->valid_status_codes.push_back(static_cast<int>(code));
  }
  static constexpr std::string_view kMethods[] = {"GET", "HEAD"};
  HERMES_RETURN_IF_ERROR(m.Bool("follow_redirects", &s->follow_redirects));
  HERMES_RETURN_IF_ERROR(m.Int("max_redirects", 0, 20, &s->max_redirects));
  HERMES_RETURN_IF_ERROR(m.Size("max_body_bytes", &s->max_body_bytes));
  if (s->max_body_bytes == 0) return m.KeyError("max_body_bytes", "must be greater than 0");
  HERMES_RETURN_IF_ERROR(m.Enum("method", kMethods, &s->method));
  return std::shared_ptr<const KindSettings>(std::move(s));
}

}  // namespace hermes::config
