// Common keys of a probe entry and the dispatch to its kind; see probe_parse.h.
#include "config/probe_parse.h"

#include <algorithm>
#include <span>

#include "config/parse.h"

namespace hermes::config::internal {
namespace {

using std::chrono::seconds;

constexpr std::string_view kCommonKeys[] = {"name", "kind", "interval", "timeout", "expect"};
constexpr std::string_view kSpeedtestKeys[] = {
    "url", "headers", "tls_config", "bearer_token_file", "latency", "download", "upload"};
constexpr std::string_view kHttpKeys[] = {"url",
                                          "headers",
                                          "tls_config",
                                          "bearer_token_file",
                                          "valid_status_codes",
                                          "follow_redirects",
                                          "max_redirects",
                                          "max_body_bytes",
                                          "method"};
constexpr std::string_view kTcpKeys[] = {"address", "samples"};
constexpr std::string_view kDnsKeys[] = {"query", "type", "server", "transport", "valid_rcodes"};
constexpr std::string_view kIcmpKeys[] = {"host", "samples"};

struct KindSpec {
  std::string_view name;
  ProbeKind kind;
  std::span<const std::string_view> keys;
  Duration default_timeout;
  Status (*parse)(const MapReader&, const std::string&, ProbeConfig*);
};

constexpr Duration kLightTimeout = seconds(10);
const KindSpec kKinds[] = {
    {"speedtest", ProbeKind::kSpeedtest, kSpeedtestKeys, seconds(60), &ParseSpeedtestKeys},
    {"http", ProbeKind::kHttp, kHttpKeys, kLightTimeout, &ParseHttpKeys},
    {"tcp", ProbeKind::kTcp, kTcpKeys, kLightTimeout, &ParseTcpKeys},
    {"dns", ProbeKind::kDns, kDnsKeys, kLightTimeout, &ParseDnsKeys},
    {"icmp", ProbeKind::kIcmp, kIcmpKeys, kLightTimeout, &ParseIcmpKeys},
};
constexpr std::string_view kKindNames[] = {"speedtest", "http", "tcp", "dns", "icmp"};

bool Contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

bool IsValidProbeName(const std::string& name) {
  return !name.empty() && name.size() <= 40 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status ParseName(const MapReader& m, ProbeConfig* p) {
  if (!m.Has("name")) return m.Error("missing required key name");
  HERMES_RETURN_IF_ERROR(m.String("name", &p->name));
  if (!IsValidProbeName(p->name)) {
    return m.KeyError("name", "\"" + p->name +
                                  "\" is not a valid probe name; use 1 to 40 characters "
                                  "from a-z, 0-9 and _");
  }
  return Status::Ok();
}

Status ParseKind(const MapReader& m, const KindSpec** spec) {
  if (!m.Has("kind")) {
    return m.Error("missing required key kind (one of speedtest, http, tcp, dns, icmp)");
  }
  std::string kind;
  HERMES_RETURN_IF_ERROR(m.Enum("kind", kKindNames, &kind));
  for (const KindSpec& k : kKinds) {
    if (k.name == kind) *spec = &k;
  }
  return Status::Ok();
}

// Names keys that belong to another kind as such, so a misplaced key is not
// reported as a typo.
Status CheckProbeKeys(const MapReader& m, const KindSpec& spec) {
  for (const std::string& key : m.Keys()) {
    if (Contains(kCommonKeys, key) || Contains(spec.keys, key)) continue;
    std::string owners;
    for (const KindSpec& k : kKinds) {
      if (Contains(k.keys, key)) owners += (owners.empty() ? "" : ", ") + std::string(k.name);
    }
    if (!owners.empty()) {
      return m.KeyError(key, "not valid for kind " + std::string(spec.name) + " (only for " +
                                 owners + "); remove it or change kind");
    }
    std::string valid;
    for (auto list : {std::span<const std::string_view>(kCommonKeys), spec.keys}) {
      for (std::string_view k : list) valid += (valid.empty() ? "" : ", ") + std::string(k);
    }
    return m.KeyError(
        key, "unknown key; valid keys for kind " + std::string(spec.name) + " are: " + valid);
  }
  return Status::Ok();
}

Status ParseTiming(const MapReader& m, const GlobalConfig& g, const KindSpec& spec,
                   ProbeConfig* p) {
  const Duration scrape = g.scrape_interval;
  // Default: the first multiple of scrape_interval that is at least a minute.
  p->interval = scrape * ((Duration(seconds(60)) + scrape - Duration(1)) / scrape);
  HERMES_RETURN_IF_ERROR(m.Dur("interval", &p->interval));
  if (p->interval <= Duration::zero()) return m.KeyError("interval", "must be greater than 0");
  if (p->interval % scrape != Duration::zero()) {
    const Duration up = scrape * (p->interval / scrape + 1);
    return m.KeyError("interval", "must be a multiple of global.scrape_interval (" +
                                      FormatDuration(scrape) + "), got " +
                                      FormatDuration(p->interval) + "; use e.g. " +
                                      FormatDuration(up));
  }
  p->timeout = std::min(spec.default_timeout, p->interval * 4 / 5);
  HERMES_RETURN_IF_ERROR(m.Dur("timeout", &p->timeout));
  if (p->timeout <= Duration::zero()) return m.KeyError("timeout", "must be greater than 0");
  if (p->timeout >= p->interval) {
    return m.KeyError("timeout", "must be shorter than interval (" + FormatDuration(p->interval) +
                                     "), got " + FormatDuration(p->timeout));
  }
  return Status::Ok();
}

Status ParseExpect(const MapReader& m, ProbeKind kind, ExpectConfig* expect) {
  std::optional<MapReader> e;
  HERMES_RETURN_IF_ERROR(m.Map("expect", &e));
  if (!e) return Status::Ok();
  static constexpr std::string_view kBulkKeys[] = {"download", "upload", "latency"};
  static constexpr std::string_view kLightKeys[] = {"latency"};
  if (!IsBulk(kind)) {
    for (const char* key : {"download", "upload"}) {
      if (e->Has(key)) {
        return e->KeyError(key, "not valid for kind " + std::string(ProbeKindName(kind)) +
                                    " (only for speedtest); expect only takes latency here");
      }
    }
  }
  using Keys = std::span<const std::string_view>;
  HERMES_RETURN_IF_ERROR(e->CheckKeys(IsBulk(kind) ? Keys(kBulkKeys) : Keys(kLightKeys)));
  for (auto [key, out] : {std::pair{"download", &expect->download_bytes_per_second},
                          std::pair{"upload", &expect->upload_bytes_per_second}}) {
    if (!e->Has(key)) continue;
    double rate = 0;
    HERMES_RETURN_IF_ERROR(e->Rate(key, &rate));
    if (rate <= 0) return e->KeyError(key, "must be greater than 0");
    *out = rate;
  }
  if (e->Has("latency")) {
    Duration latency{};
    HERMES_RETURN_IF_ERROR(e->Dur("latency", &latency));
    if (latency <= Duration::zero()) return e->KeyError("latency", "must be greater than 0");
    expect->latency_seconds = ToSeconds(latency);
  }
  return Status::Ok();
}

}  // namespace

Result<ProbeConfig> ParseProbe(const YAML::Node& node, size_t index, const GlobalConfig& global,
                               const std::string& base_dir) {
  auto m = MapReader::Make(node, JoinIndex("probes", index));
  if (!m.ok()) return m.status();
  ProbeConfig p;
  p.line = m->line();
  HERMES_RETURN_IF_ERROR(ParseName(*m, &p));
  const KindSpec* spec = nullptr;
  HERMES_RETURN_IF_ERROR(ParseKind(*m, &spec));
  p.kind = spec->kind;
  HERMES_RETURN_IF_ERROR(CheckProbeKeys(*m, *spec));
  HERMES_RETURN_IF_ERROR(ParseTiming(*m, global, *spec, &p));
  HERMES_RETURN_IF_ERROR(ParseExpect(*m, p.kind, &p.expect));
  HERMES_RETURN_IF_ERROR(spec->parse(*m, base_dir, &p));
  return p;
}

}  // namespace hermes::config::internal
