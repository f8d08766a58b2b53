// Common keys of a probe entry and the dispatch to its kind; see probe_parse.h.
#include "config/probe_parse.h"

#include <sys/socket.h>

#include <algorithm>
#include <span>

#include "config/address_syntax.h"
#include "config/parse.h"

namespace hermes::config::internal {
namespace {

using std::chrono::seconds;

constexpr std::string_view kCommonKeys[] = {"name",
                                            "kind",
                                            "interval",
                                            "timeout",
                                            "expect",
                                            "source_ip_address",
                                            "interface",
                                            "preferred_ip_protocol",
                                            "ip_protocol_fallback"};

using KeyList = std::span<const std::string_view>;

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

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

// The kinds whose `list` (keys or expect_keys) has `key`.
std::vector<std::string_view> KindsWith(KindCatalog kinds, KeyList KindSpec::*list,
                                        std::string_view key) {
  std::vector<std::string_view> names;
  for (const KindSpec* k : kinds) {
    if (Contains(k->*list, key)) names.push_back(k->name);
  }
  return names;
}

Status ParseKind(const MapReader& m, KindCatalog kinds, const KindSpec** spec) {
  std::vector<std::string_view> names;
  for (const KindSpec* k : kinds) names.push_back(k->name);
  if (!m.Has("kind")) return m.Error("missing required key kind (one of " + Join(names) + ")");
  std::string kind;
  HERMES_RETURN_IF_ERROR(m.Enum("kind", names, &kind));
  *spec = kinds[std::find(names.begin(), names.end(), kind) - names.begin()];
  return Status::Ok();
}

// Checks each key in document order: one that belongs to another kind is named as
// such, so a misplaced key is not reported as a typo; `list` is KindSpec::keys or
// KindSpec::expect_keys, `common` keys are valid for every kind.
Status CheckKindKeys(const MapReader& m, KindCatalog kinds, const KindSpec& spec,
                     KeyList KindSpec::*list, KeyList common, const std::string& misplaced_hint) {
  std::vector<std::string_view> valid(common.begin(), common.end());
  valid.insert(valid.end(), (spec.*list).begin(), (spec.*list).end());
  for (const std::string& key : m.Keys()) {
    if (Contains(valid, key)) continue;
    if (const auto owners = KindsWith(kinds, list, key); !owners.empty()) {
      return m.KeyError(key, "not valid for kind " + std::string(spec.name) + " (only for " +
                                 Join(owners) + "); " + misplaced_hint);
    }
    return m.KeyError(key, "unknown key; valid keys " +
                               (common.empty() ? "here" : "for kind " + std::string(spec.name)) +
                               " are: " + Join(valid));
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

Status ParseExpect(const MapReader& m, KindCatalog kinds, const KindSpec& spec,
                   ExpectConfig* expect) {
  std::optional<MapReader> e;
  HERMES_RETURN_IF_ERROR(m.Map("expect", &e));
  if (!e) return Status::Ok();
  const std::vector<std::string_view> valid(spec.expect_keys.begin(), spec.expect_keys.end());
  HERMES_RETURN_IF_ERROR(CheckKindKeys(*e, kinds, spec, &KindSpec::expect_keys, {},
                                       "expect only takes " + Join(valid) + " here"));
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
  if (e->Has("rpm")) {
    double rpm = 0;
    HERMES_RETURN_IF_ERROR(ReadDouble(e->Get("rpm"), e->PathOf("rpm"), e->LineOfKey("rpm"), &rpm));
    if (!(rpm > 0)) return e->KeyError("rpm", "must be greater than 0 (round trips per minute)");
    expect->rpm = rpm;
  }
  return Status::Ok();
}

// The keys of PathConfig; whether the host has that address and interface is
// checked when the probe is created (net::CheckPath), with --config.check too.
Status ParsePath(const MapReader& m, PathConfig* path) {
  int family = 0;
  HERMES_RETURN_IF_ERROR(m.String("source_ip_address", &path->source_ip_address));
  if (!path->source_ip_address.empty()) {
    bool unspecified = false;
    family = IpLiteralFamily(path->source_ip_address, &unspecified);
    if (family == 0 || unspecified) {
      return m.KeyError("source_ip_address",
                        "\"" + path->source_ip_address +
                            "\" must be one of this host's IP addresses, e.g. 192.0.2.10 or "
                            "2001:db8::10; leave it out for the kernel's choice");
    }
  }
  HERMES_RETURN_IF_ERROR(m.String("interface", &path->interface));
  const std::string& dev = path->interface;
  if (!dev.empty() && (dev.size() > 15 || dev == "." || dev == ".." ||
                       dev.find_first_of("/ \t\n\r:") != std::string::npos)) {
    return m.KeyError("interface", "\"" + dev +
                                       "\" is not a network interface name (1 to 15 characters, "
                                       "no '/', ':' or spaces), e.g. eth0");
  }
  static constexpr std::string_view kProtocols[] = {"ip4", "ip6", "auto"};
  HERMES_RETURN_IF_ERROR(m.Enum("preferred_ip_protocol", kProtocols, &path->preferred_ip_protocol));
  HERMES_RETURN_IF_ERROR(m.Bool("ip_protocol_fallback", &path->ip_protocol_fallback));
  const std::string& pref = path->preferred_ip_protocol;
  if (!path->ip_protocol_fallback && pref == "auto") {
    return m.KeyError("ip_protocol_fallback",
                      "false needs preferred_ip_protocol ip4 or ip6 (the family to keep to)");
  }
  if (family != 0 && pref != "auto" && (pref == "ip4") != (family == AF_INET)) {
    return m.KeyError("preferred_ip_protocol",
                      pref + " contradicts source_ip_address " + path->source_ip_address + ", an " +
                          (family == AF_INET ? "IPv4" : "IPv6") +
                          " address; a probe keeps to its source address's family");
  }
  return Status::Ok();
}

}  // namespace

Result<ProbeConfig> ParseProbe(const YAML::Node& node, size_t index, const GlobalConfig& global,
                               const std::string& base_dir, KindCatalog kinds) {
  auto m = MapReader::Make(node, JoinIndex("probes", index));
  if (!m.ok()) return m.status();
  ProbeConfig p;
  p.line = m->line();
  HERMES_RETURN_IF_ERROR(ParseName(*m, &p));
  const KindSpec* spec = nullptr;
  HERMES_RETURN_IF_ERROR(ParseKind(*m, kinds, &spec));
  p.kind = spec;
  HERMES_RETURN_IF_ERROR(
      CheckKindKeys(*m, kinds, *spec, &KindSpec::keys, kCommonKeys, "remove it or change kind"));
  HERMES_RETURN_IF_ERROR(ParseTiming(*m, global, *spec, &p));
  HERMES_RETURN_IF_ERROR(ParseExpect(*m, kinds, *spec, &p.expect));
  HERMES_RETURN_IF_ERROR(ParsePath(*m, &p.path));
  auto settings = spec->parse(*m, KindParseContext{base_dir, p.interval, p.timeout, p.path});
  if (!settings.ok()) return settings.status();
  p.settings = std::move(settings).value();
  return p;
}

}  // namespace hermes::config::internal
