// Loading hermes.yml: the document, the global section and the cross-probe rules.
// Probe entries are parsed in probe_parse.cc / probe_kinds.cc.
#include "config/parse.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <set>

#include "config/probe_parse.h"
#include "config/yaml_util.h"

namespace hermes::config {
namespace {

using internal::ErrorAt;
using internal::JoinIndex;
using internal::MapReader;

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

Status ParseBuckets(const MapReader& m, std::string_view key, std::vector<double>* out) {
  std::vector<YAML::Node> items;
  HERMES_RETURN_IF_ERROR(m.List(key, &items));
  if (!m.Has(key)) return Status::Ok();
  if (items.empty() || items.size() > 30) {
    return m.KeyError(key,
                      "must have between 1 and 30 buckets, got " + std::to_string(items.size()));
  }
  out->clear();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string path = JoinIndex(m.PathOf(key), i);
    const int line = internal::LineOf(items[i]);
    double v = 0;
    HERMES_RETURN_IF_ERROR(internal::ReadDouble(items[i], path, line, &v));
    if (v <= 0) return ErrorAt(path, line, "must be greater than 0, got " + FormatNumber(v));
    if (!out->empty() && v <= out->back()) {
      return ErrorAt(path, line,
                     "buckets must be strictly increasing, got " + FormatNumber(v) + " after " +
                         FormatNumber(out->back()));
    }
    out->push_back(v);
  }
  return Status::Ok();
}

Status ParseGlobal(const MapReader& root, const std::string& default_instance, GlobalConfig* g) {
  std::optional<MapReader> m;
  HERMES_RETURN_IF_ERROR(root.Map("global", &m));
  if (m) {
    static constexpr std::string_view kKeys[] = {"scrape_interval", "instance",
                                                 "max_series",      "monthly_data_budget",
                                                 "latency_buckets", "throughput_buckets"};
    HERMES_RETURN_IF_ERROR(m->CheckKeys(kKeys));
    HERMES_RETURN_IF_ERROR(m->Dur("scrape_interval", &g->scrape_interval));
    if (g->scrape_interval <= Duration::zero()) {
      return m->KeyError("scrape_interval", "must be greater than 0");
    }
    HERMES_RETURN_IF_ERROR(m->String("instance", &g->instance));
    HERMES_RETURN_IF_ERROR(m->Int("max_series", 1, 1'000'000, &g->max_series));
    HERMES_RETURN_IF_ERROR(m->Size("monthly_data_budget", &g->monthly_data_budget));
    if (m->Has("monthly_data_budget") && g->monthly_data_budget == 0) {
      return m->KeyError("monthly_data_budget", "must be greater than 0 (omit it for no budget)");
    }
    HERMES_RETURN_IF_ERROR(ParseBuckets(*m, "latency_buckets", &g->latency_buckets));
    HERMES_RETURN_IF_ERROR(ParseBuckets(*m, "throughput_buckets", &g->throughput_buckets));
  }
  if (g->instance.empty()) g->instance = default_instance;
  return Status::Ok();
}

Status CheckDataBudget(const MapReader& root, const Config& c) {
  if (c.global.monthly_data_budget == 0) return Status::Ok();
  const uint64_t total = ProjectedMonthlyBytes(c);
  if (total <= c.global.monthly_data_budget) return Status::Ok();
  size_t biggest = 0;
  for (size_t i = 1; i < c.probes.size(); ++i) {
    if (ProbeMonthlyBytes(c.probes[i]) > ProbeMonthlyBytes(c.probes[biggest])) biggest = i;
  }
  const ProbeConfig& p = c.probes[biggest];
  std::optional<MapReader> global;
  HERMES_RETURN_IF_ERROR(root.Map("global", &global));
  return global->KeyError("monthly_data_budget",
                          "worst-case transfer of " + FormatBytes(total) +
                              " per 30 days exceeds the budget of " +
                              FormatBytes(c.global.monthly_data_budget) + "; the biggest is " +
                              JoinIndex("probes", biggest) + " (" + p.name + ") with " +
                              FormatBytes(ProbeMonthlyBytes(p)) +
                              "; lengthen its interval, lower max_bytes or raise the budget");
}

std::string HostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    std::abort();  // SHA-256 is always available in OpenSSL 3
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

Result<Config> ParseConfig(std::string_view yaml, KindCatalog kinds,
                           const std::string& default_instance, const std::string& base_dir) {
  auto doc = internal::LoadStrictYaml(yaml, kMaxConfigBytes);
  if (!doc.ok()) return doc.status();
  if (doc->IsNull()) {
    return ErrorAt("", 1,
                   "the config is empty; it needs a map with keys global and probes (see "
                   "config/hermes.example.yml)");
  }
  auto root = MapReader::Make(*doc, "");
  if (!root.ok()) return root.status();
  static constexpr std::string_view kKeys[] = {"global", "probes"};
  HERMES_RETURN_IF_ERROR(root->CheckKeys(kKeys));

  Config c;
  HERMES_RETURN_IF_ERROR(ParseGlobal(*root, default_instance, &c.global));
  if (!root->Has("probes")) {
    return ErrorAt("probes", 0, "missing; list the probes to run (see config/hermes.example.yml)");
  }
  std::vector<YAML::Node> probes;
  HERMES_RETURN_IF_ERROR(root->List("probes", &probes));
  for (size_t i = 0; i < probes.size(); ++i) {
    auto p = internal::ParseProbe(probes[i], i, c.global, base_dir, kinds);
    if (!p.ok()) return p.status();
    if (const ProbeConfig* first = c.FindProbe(p->name)) {
      return ErrorAt(JoinIndex("probes", i) + ".name", p->line,
                     "duplicate probe name \"" + p->name + "\" (first used on line " +
                         std::to_string(first->line) + "); names must be unique");
    }
    c.probes.push_back(std::move(*p));
  }
  HERMES_RETURN_IF_ERROR(CheckDataBudget(*root, c));
  c.source_hash = Sha256Hex(yaml);
  return c;
}

Result<Config> LoadConfigFile(const std::string& path, KindCatalog kinds) {
  auto text = internal::ReadFileLimited(path, kMaxConfigBytes);
  if (!text.ok()) return text.status().WithContext(path);
  auto config = ParseConfig(*text, kinds, HostName(), internal::DirOf(path));
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace hermes::config
