#include "probe/dns_probe.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "probe/path.h"

namespace hermes::probe {
namespace {

constexpr uint16_t kDnsPort = 53;

size_t Index(Phase p) { return static_cast<size_t>(p); }
size_t Index(Direction d) { return static_cast<size_t>(d); }

FailureReason ReasonFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable:
      return FailureReason::kConnect;
    case StatusCode::kDeadlineExceeded:
      return FailureReason::kTimeout;
    case StatusCode::kInvalidArgument:
      return FailureReason::kDns;
    default:
      return FailureReason::kProtocol;
  }
}

class DnsProbe final : public Probe {
 public:
  DnsProbe(net::DnsQuestion question, std::vector<int> valid_rcodes,
           std::unique_ptr<net::DnsClient> client)
      : question_(std::move(question)),
        valid_rcodes_(std::move(valid_rcodes)),
        client_(std::move(client)) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    const net::Deadline run{ctx.clock, ctx.deadline, ctx.cancelled};
    net::DnsQuestion q = question_;
    q.path = PathOf(ctx.config.path);
    auto resp = client_->Query(q, run);
    if (!resp.ok()) {
      if (run.Cancelled()) return ProbeResult::Failure(FailureReason::kTimeout, "cancelled");
      return ProbeResult::Failure(ReasonFor(resp.status()), resp.status().message());
    }
    ProbeResult res;
    res.phase_seconds[Index(Phase::kResolve)] = ToSeconds(resp->elapsed);
    res.transferred_bytes[Index(Direction::kUpload)] = resp->query_bytes;
    res.transferred_bytes[Index(Direction::kDownload)] = resp->response_bytes;

    res.error = "rcode " + net::DnsRcodeName(resp->rcode) + ", " +
                std::to_string(resp->answer_count) + " answers";
    res.success =
        std::find(valid_rcodes_.begin(), valid_rcodes_.end(), resp->rcode) != valid_rcodes_.end();
    if (!res.success) res.reason = FailureReason::kDns;
    return res;
  }

 private:
  const net::DnsQuestion question_;
  const std::vector<int> valid_rcodes_;
  const std::unique_ptr<net::DnsClient> client_;
};

}  // namespace

Result<std::unique_ptr<Probe>> NewDnsProbe(const config::DnsConfig& cfg,
                                           std::unique_ptr<net::DnsClient> client) {
  net::DnsQuestion q;
  if (cfg.query.empty()) return Status::Invalid("query: must name the record to ask for");
  q.name = cfg.query;
  auto type = net::DnsTypeFromName(cfg.query_type);
  if (!type) {
    return Status::Invalid("type: \"" + cfg.query_type +
                           "\" is not one of A AAAA CNAME MX NS PTR SOA SRV TXT");
  }
  q.type = *type;
  if (cfg.transport != "udp" && cfg.transport != "tcp") {
    return Status::Invalid("transport: \"" + cfg.transport + "\" is not udp or tcp");
  }
  q.tcp = cfg.transport == "tcp";
  if (!cfg.server.empty()) {
    auto hp = net::SplitHostPort(cfg.server, kDnsPort);
    if (!hp.ok()) return hp.status().WithContext("server");
    q.server = net::SocketAddress::FromIp(hp->host, hp->port);
    if (!q.server) {
      return Status::Invalid("server: \"" + cfg.server +
                             "\" must be an IP address with optional port, not a host name");
    }
  }
  std::vector<int> valid;
  for (const std::string& name : cfg.valid_rcodes) {
    auto rc = net::DnsRcodeFromName(name);
    if (!rc) return Status::Invalid("valid_rcodes: \"" + name + "\" is not a DNS rcode name");
    valid.push_back(*rc);
  }
  if (valid.empty()) valid.push_back(0);  // NOERROR
  return std::unique_ptr<Probe>(
      std::make_unique<DnsProbe>(std::move(q), std::move(valid), std::move(client)));
}

Result<std::unique_ptr<Probe>> NewDnsProbe(const config::DnsConfig& cfg) {
  return NewDnsProbe(cfg, net::NewAresDnsClient());
}

ResultLayout DnsLayout(const config::ProbeConfig&) {
  return {.phases = {Phase::kResolve}, .transferred = {Direction::kDownload, Direction::kUpload}};
}

}  // namespace hermes::probe
