// Fuzzes hermes.yml parsing: config::ParseConfig() on arbitrary bytes must return a
// value or an error, never crash, leak or hang. A config it accepts must also get
// through the series budget check (metrics::CheckSeriesBudget), which does
// arithmetic on every count the config sets. Short inputs also go through the unit
// parsers directly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse.h"
#include "fuzz_check.h"
#include "metrics/metrics_hub.h"
#include "probe/kind.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto config = hermes::config::ParseConfig(text, hermes::probe::BuiltinKinds(), "fuzz-instance",
                                            "/etc/hermes");
  if (config.ok()) {
    FUZZ_CHECK(!config->probes.empty() || true, "unreachable");
    FUZZ_CHECK(config->source_hash == hermes::config::Sha256Hex(text), "source_hash mismatch");
    FUZZ_CHECK(!config->global.instance.empty(), "instance not defaulted");
    for (const auto& p : config->probes) {
      FUZZ_CHECK(!p.name.empty() && p.name.size() <= 40, "probe name length %zu", p.name.size());
      for (char c : p.name) {
        FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_',
                   "probe name has byte 0x%02x", static_cast<unsigned char>(c));
      }
      FUZZ_CHECK(p.timeout < p.interval, "timeout >= interval for %s", p.name.c_str());
    }
    (void)hermes::metrics::CheckSeriesBudget(*config);
  }

  if (size <= 64) {
    if (auto d = hermes::config::ParseDuration(text); d.ok()) {
      (void)hermes::config::FormatDuration(*d);
    }
    if (auto s = hermes::config::ParseSize(text); s.ok()) {
      (void)hermes::config::FormatBytes(*s);
    }
    (void)hermes::config::ParseRate(text);
  }
  return 0;
}
