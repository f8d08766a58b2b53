#include "net/dns_client.h"

#include <ares.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "net/ares_channel.h"

namespace hermes::net {
namespace {

constexpr int kClassIn = 1;

constexpr std::array<std::pair<std::string_view, int>, 9> kTypes = {{
    {"A", 1},
    {"NS", 2},
    {"CNAME", 5},
    {"SOA", 6},
    {"PTR", 12},
    {"MX", 15},
    {"TXT", 16},
    {"AAAA", 28},
    {"SRV", 33},
}};
constexpr std::array<std::string_view, 11> kRcodes = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                      "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                      "NXRRSET", "NOTAUTH", "NOTZONE"};

struct Exchange {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<uint8_t> answer;
  SteadyTime answered_at{};
  const Clock* clock = nullptr;
};

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* ex = static_cast<Exchange*>(arg);
  ex->answered_at = ex->clock->SteadyNow();
  ex->done = true;
  ex->status = status;
  if (abuf != nullptr && alen > 0) ex->answer.assign(abuf, abuf + alen);
}

// c-ares' own SO_BINDTODEVICE (ares_set_local_dev) ignores a failure; this
// configure callback fails the socket instead, so a query never leaves by
// another interface than the probe names.
struct PathBinding {
  const PathOptions* path;
  std::string error;  // the first failure
};

int BindSocket(ares_socket_t fd, int /*type*/, void* p) {
  auto* b = static_cast<PathBinding*>(p);
  Status st = BindToPath(fd, *b->path);
  if (st.ok()) return 0;
  if (b->error.empty()) b->error = st.message();
  return -1;
}

// Keeps the servers of the families `path` allows, those of its preferred family
// first (c-ares asks them in order).
Status ApplyPathToServers(ares_channel channel, const PathOptions& path) {
  ares_addr_port_node* servers = nullptr;
  if (ares_get_servers_ports(channel, &servers) != ARES_SUCCESS) return Status::Ok();
  std::vector<ares_addr_port_node> kept;
  for (ares_addr_port_node* n = servers; n != nullptr; n = n->next) {
    if (path.AllowedFamily() == AF_UNSPEC || n->family == path.AllowedFamily()) kept.push_back(*n);
  }
  ares_free_data(servers);
  if (kept.empty()) {
    return Status::Invalid("no " + FamilyName(path.AllowedFamily()) +
                           " name server in the system resolver's configuration");
  }
  std::stable_partition(kept.begin(), kept.end(), [&](const ares_addr_port_node& n) {
    return n.family == path.preferred_family;
  });
  for (size_t i = 0; i < kept.size(); ++i)
    kept[i].next = i + 1 < kept.size() ? &kept[i + 1] : nullptr;
  const int rc = ares_set_servers_ports(channel, kept.data());
  return rc == ARES_SUCCESS
             ? Status::Ok()
             : Status::Internal(std::string("ares_set_servers_ports: ") + ares_strerror(rc));
}

Status AresError(int status, const std::string& what) {
  const std::string msg = what + ": " + ares_strerror(status);
  switch (status) {
    case ARES_ECONNREFUSED:
      return Status::Unavailable(msg);
    case ARES_ETIMEOUT:
      return Status(StatusCode::kDeadlineExceeded, msg);
    case ARES_EBADNAME:
      return Status::Invalid(msg);
    default:
      return Status::Internal(msg);
  }
}

class AresDnsClient final : public DnsClient {
 public:
  Result<DnsResponse> Query(const DnsQuestion& q, const Deadline& d) override {
    const std::string what = "dns query " + q.name;
    if (d.Expired()) return ExpiredStatus(d, what);

    ares_options opts{};
    opts.flags = ARES_FLAG_NOCHECKRESP | (q.tcp ? ARES_FLAG_USEVC : 0);
    opts.timeout = AresTimeoutMs(d.Remaining(), 1);
    opts.tries = 1;
    Exchange ex;                       // outlives the channel: its destructor may run the callback
    PathBinding binding{&q.path, ""};  // likewise
    ex.clock = &d.clock;
    auto channel = AresChannel::Create(opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (!channel.ok()) return channel.status().WithContext(what);
    if (q.server) {
      const std::string csv = q.server->ToString();
      const int rc = ares_set_servers_ports_csv(channel->get(), csv.c_str());
      if (rc != ARES_SUCCESS) return AresError(rc, what + " (server " + csv + ")");
    }
    HERMES_RETURN_IF_ERROR(ApplyPathToServers(channel->get(), q.path).WithContext(what));
    ares_set_socket_configure_callback(channel->get(), &BindSocket, &binding);

    unsigned char* qbuf = nullptr;
    int qlen = 0;
    const int rc = ares_create_query(q.name.c_str(), kClassIn, q.type, 0, 1, &qbuf, &qlen, 0);
    if (rc != ARES_SUCCESS) return AresError(rc, what);
    const SteadyTime start = d.clock.SteadyNow();
    ares_send(channel->get(), qbuf, qlen, &OnAnswer, &ex);
    ares_free_string(qbuf);

    HERMES_RETURN_IF_ERROR(channel->Run(ex.done, d).WithContext(what));
    if (!binding.error.empty()) return Status::Unavailable(what + ": " + binding.error);
    if (ex.status != ARES_SUCCESS) return AresError(ex.status, what);
    auto header = ParseDnsHeader(ex.answer);
    if (!header.ok()) return header.status().WithContext(what);

    DnsResponse r;
    r.rcode = header->rcode;
    r.answer_count = header->answer_count;
    r.elapsed = ex.answered_at - start;
    r.query_bytes = static_cast<uint64_t>(qlen);
    r.response_bytes = ex.answer.size();
    return r;
  }
};

}  // namespace

std::unique_ptr<DnsClient> NewAresDnsClient() { return std::make_unique<AresDnsClient>(); }

Result<DnsHeader> ParseDnsHeader(std::span<const uint8_t> m) {
  if (m.size() < 12) {
    return Status::Internal("malformed DNS response: " + std::to_string(m.size()) +
                            " bytes, shorter than a header");
  }
  DnsHeader h;
  h.id = static_cast<uint16_t>(m[0] << 8 | m[1]);
  h.response = (m[2] & 0x80) != 0;
  h.truncated = (m[2] & 0x02) != 0;
  h.rcode = m[3] & 0x0F;
  h.question_count = m[4] << 8 | m[5];
  h.answer_count = m[6] << 8 | m[7];
  return h;
}

std::optional<int> DnsTypeFromName(std::string_view name) {
  for (const auto& [n, v] : kTypes) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<int> DnsRcodeFromName(std::string_view name) {
  for (size_t i = 0; i < kRcodes.size(); ++i) {
    if (kRcodes[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string DnsRcodeName(int rcode) {
  if (rcode >= 0 && static_cast<size_t>(rcode) < kRcodes.size()) {
    return std::string(kRcodes[static_cast<size_t>(rcode)]);
  }
  return "RCODE" + std::to_string(rcode);
}

}  // namespace hermes::net
