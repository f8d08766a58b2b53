#include "net/resolver.h"

#include <ares.h>
#include <netdb.h>

#include "net/ares_channel.h"

namespace hermes::net {
namespace {

constexpr int kTries = 2;

struct Lookup {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<SocketAddress> addrs;
};

void OnAddrInfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
  auto* l = static_cast<Lookup*>(arg);
  l->done = true;
  l->status = status;
  if (res == nullptr) return;
  for (ares_addrinfo_node* n = res->nodes; n != nullptr; n = n->ai_next) {
    if (n->ai_family != AF_INET && n->ai_family != AF_INET6) continue;
    l->addrs.push_back(SocketAddress::FromSockaddr(n->ai_addr, n->ai_addrlen));
  }
  ares_freeaddrinfo(res);
}

class SystemResolver final : public Resolver {
 public:
  Result<std::vector<SocketAddress>> Resolve(const std::string& host, uint16_t port,
                                             const Deadline& d) override {
    if (auto ip = SocketAddress::FromIp(host, port)) return std::vector<SocketAddress>{*ip};
    if (d.Expired()) return ExpiredStatus(d, "resolve " + host);

    ares_options opts{};
    opts.timeout = AresTimeoutMs(d.Remaining(), kTries);
    opts.tries = kTries;
    // `lookup` is declared before the channel so it outlives callbacks run by
    // the channel's destructor.
    Lookup lookup;
    auto channel = AresChannel::Create(opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (!channel.ok()) return channel.status().WithContext("resolve " + host);

    ares_addrinfo_hints hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel->get(), host.c_str(), nullptr, &hints, &OnAddrInfo, &lookup);
    Status run = channel->Run(lookup.done, d);
    if (!run.ok()) return run.WithContext("resolve " + host);

    const std::string what = "resolve " + host + ": ";
    switch (lookup.status) {
      case ARES_SUCCESS:
        break;
      case ARES_ENOTFOUND:
      case ARES_ENODATA:
      case ARES_ENONAME:
        return Status::NotFound(what + ares_strerror(lookup.status));
      case ARES_ETIMEOUT:
        return Status(StatusCode::kDeadlineExceeded, what + ares_strerror(lookup.status));
      default:
        return Status::Unavailable(what + ares_strerror(lookup.status));
    }
    if (lookup.addrs.empty()) return Status::NotFound(what + "no IPv4 or IPv6 address");
    for (auto& a : lookup.addrs) a.set_port(port);
    return lookup.addrs;
  }
};

}  // namespace

std::unique_ptr<Resolver> NewSystemResolver() { return std::make_unique<SystemResolver>(); }

}  // namespace hermes::net
