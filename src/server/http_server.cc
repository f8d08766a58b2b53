#include "server/http_server.h"

#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstring>
#include <exception>
#include <optional>
#include <random>
#include <thread>

#include "common/host_port.h"
#include "common/log.h"
#include "common/mutex.h"
#include "server/session.h"
#include "server/tls_context.h"

namespace hermes::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr size_t kStreamChunkBytes = 64 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

std::string ClientIp(const tcp::endpoint& ep) {
  net::ip::address a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  ServerCore core;
  std::unique_ptr<TlsContextProvider> tls;  // null: plain HTTP
  std::unique_ptr<net::io_context> ioc = std::make_unique<net::io_context>();
  // Filled by Start() before Run(); closed and cleared by Stop().
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<uint16_t> ports;
  Mutex stop_mu;  // Run() and Stop() may race (signal handling vs. startup)
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work
      HERMES_GUARDED_BY(stop_mu);
  std::vector<std::thread> threads HERMES_GUARDED_BY(stop_mu);
  bool stopped HERMES_GUARDED_BY(stop_mu) = false;

  Impl(ServerOptions opts, std::vector<Route> routes, Authenticator* a, ServerObserver* obs)
      : options(std::move(opts)),
        core{options.limits,
             options.http2,
             options.web.headers,
             Router(std::move(routes), a, obs, options),
             ConnectionLimiter(options.limits.max_connections,
                               options.limits.max_connections_per_ip),
             obs,
             {}} {}

  Status Bind(const std::string& addr);
  Status Listen(const tcp::endpoint& ep, const std::string& addr, bool dual_stack);
  void Accept(tcp::acceptor& acceptor);
  void OnAccepted(tcp::socket socket);
};

Status HttpServer::Impl::Listen(const tcp::endpoint& ep, const std::string& addr, bool dual_stack) {
  auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
  error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec && ep.address().is_v6()) acceptor->set_option(net::ip::v6_only(!dual_stack), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen address \"" + addr + "\": " + ec.message());
  ports.push_back(acceptor->local_endpoint(ec).port());
  acceptors.push_back(std::move(acceptor));
  return Status::Ok();
}

Status HttpServer::Impl::Bind(const std::string& addr) {
  auto hp = ParseListenAddress(addr, "listen address");
  if (!hp.ok()) return hp.status();
  if (hp->host.empty()) {
    // All interfaces: one dual-stack IPv6 socket, or IPv4 only where IPv6 is off.
    Status s = Listen(tcp::endpoint(net::ip::address_v6::any(), hp->port), addr, true);
    if (s.ok()) return s;
    return Listen(tcp::endpoint(net::ip::address_v4::any(), hp->port), addr, false);
  }
  error_code ec;
  net::ip::address ip = net::ip::make_address(hp->host, ec);
  if (!ec) return Listen(tcp::endpoint(ip, hp->port), addr, false);
  // A host name binds its first address, IPv4 preferred (as Go's net.Listen).
  tcp::resolver resolver(*ioc);
  auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec || results.empty()) {
    return Status::Unavailable("listen address \"" + addr +
                               "\": cannot resolve host: " + ec.message());
  }
  tcp::endpoint chosen = results.begin()->endpoint();
  for (const auto& r : results) {
    if (r.endpoint().address().is_v4()) {
      chosen = r.endpoint();
      break;
    }
  }
  return Listen(chosen, addr, false);
}

void HttpServer::Impl::Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(
      net::make_strand(*ioc), [this, &acceptor](error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (ec) {
          // Typically EMFILE: back off briefly instead of spinning on the error.
          auto timer = std::make_shared<net::steady_timer>(*ioc, kAcceptRetryDelay);
          timer->async_wait([this, &acceptor, timer](error_code) { Accept(acceptor); });
          return;
        }
        OnAccepted(std::move(socket));
        Accept(acceptor);
      });
}

void HttpServer::Impl::OnAccepted(tcp::socket socket) {
  error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  std::string ip = ClientIp(peer);
  SslCtxPtr ctx = tls ? tls->Current() : nullptr;
  StartSession(core, std::move(socket), std::move(ip), ctx.get());
}

HttpServer::HttpServer(ServerOptions options, std::vector<Route> routes, Authenticator* auth,
                       ServerObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(routes), auth, observer)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  Impl& m = *impl_;
  for (const auto& w : m.options.web.warnings) {
    LogWarn("web config: hermes differs from what it asks",
            {{"file", m.options.web.path}, {"warning", w}});
  }
  if (m.options.web.tls_enabled) {
    auto tls = TlsContextProvider::Create(m.options.web.tls, m.options.tls_reload_interval,
                                          m.options.http2.enabled);
    if (!tls.ok()) return tls.status();
    m.tls = std::move(*tls);
  }
  std::mt19937_64 rng(0x6865726d6573);  // fixed seed: the bytes only need to defeat compression
  m.core.stream_chunk.resize(kStreamChunkBytes);
  for (size_t i = 0; i + 8 <= m.core.stream_chunk.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(m.core.stream_chunk.data() + i, &v, 8);
  }
  for (const auto& addr : m.options.listen_addresses) HERMES_RETURN_IF_ERROR(m.Bind(addr));
  for (auto& a : m.acceptors) m.Accept(*a);
  return Status::Ok();
}

std::vector<uint16_t> HttpServer::BoundPorts() const { return impl_->ports; }

void HttpServer::Run() {
  Impl& m = *impl_;
  MutexLock lock(m.stop_mu);
  if (m.stopped || !m.threads.empty()) return;
  m.work.emplace(m.ioc->get_executor());
  int n = std::max(1, m.options.io_threads);
  for (int i = 0; i < n; ++i) {
    m.threads.emplace_back([&m, i] {
      std::string name = "hermes-http-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      for (;;) {
        try {
          m.ioc->run();
          return;
        } catch (const std::exception&) {
          // A handler threw (e.g. bad_alloc): the connection is lost, the server is not.
        }
      }
    });
  }
}

void HttpServer::Stop() {
  Impl& m = *impl_;
  MutexLock lock(m.stop_mu);
  if (m.stopped) return;
  m.stopped = true;
  m.ioc->stop();
  for (auto& t : m.threads) t.join();
  m.threads.clear();
  m.work.reset();
  error_code ec;
  for (auto& a : m.acceptors) a->close(ec);
  m.acceptors.clear();
  // Destroying the io_context destroys every pending handler and with it every
  // session: sockets close, connection slots are released.
  m.ioc.reset();
}

}  // namespace hermes::server
