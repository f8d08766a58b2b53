#include "net/curl_easy.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <mutex>

#include "common/version.h"

namespace hermes::net {
namespace {

// RAII for the CURLU parser.
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string UrlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u, part, &out, flags) != CURLUE_OK || out == nullptr) return "";
  std::string s(out);
  curl_free(out);
  return s;
}

bool ApplyTls(CURL* c, const TlsOptions& tls, std::string* error) {
  if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (tls.min_version.empty()) return true;
  long v;  // NOLINT(runtime/int)
  if (tls.min_version == "TLS10") {
    v = CURL_SSLVERSION_TLSv1_0;
  } else if (tls.min_version == "TLS11") {
    v = CURL_SSLVERSION_TLSv1_1;
  } else if (tls.min_version == "TLS12") {
    v = CURL_SSLVERSION_TLSv1_2;
  } else if (tls.min_version == "TLS13") {
    v = CURL_SSLVERSION_TLSv1_3;
  } else {
    *error = "tls_config.min_version " + tls.min_version + " is not one of TLS10..TLS13";
    return false;
  }
  curl_easy_setopt(c, CURLOPT_SSLVERSION, v);
  return true;
}

// CURLOPT_OPENSOCKETFUNCTION: every connection's socket, bound to the path.
curl_socket_t OpenSocket(void* p, curlsocktype, curl_sockaddr* a) {
  auto* s = static_cast<EasyHandle::Sockets*>(p);
  const SocketAddress to = SocketAddress::FromSockaddr(&a->addr, a->addrlen);
  if (IsUnspecified(to)) {
    s->refused = "refused to connect to " + to.IpString() +
                 ": an unspecified address reaches this host itself";
    return CURL_SOCKET_BAD;
  }
  const int fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  if (Status st = BindToPath(fd, s->path); !st.ok()) {
    close(fd);
    s->refused = st.message();
    return CURL_SOCKET_BAD;
  }
  return fd;
}

}  // namespace

Status CurlGlobalInit() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_ALL); });
  if (rc != CURLE_OK) {
    return Status::Internal(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  }
  return Status::Ok();
}

std::string UserAgent() { return std::string("hermes/") + kVersion; }

Result<std::string> ReadBearerToken(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return Status::Unavailable("cannot read bearer_token_file " + path + ": " + std::strerror(err) +
                               "; check the path and permissions");
  }
  // Only a small regular file: never a directory, a FIFO or a device like /dev/zero.
  std::string text;
  if (S_ISREG(st.st_mode) && st.st_size <= kMaxTokenFileBytes) {
    text.resize(static_cast<size_t>(st.st_size));
    const ssize_t n = ::read(fd, text.data(), text.size());
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  if (!S_ISREG(st.st_mode)) {
    return Status::Invalid("bearer_token_file " + path + " is not a regular file");
  }
  if (st.st_size > kMaxTokenFileBytes) {
    return Status::Invalid("bearer_token_file " + path + " is " + std::to_string(st.st_size) +
                           " bytes; a token file holds one token of at most " +
                           std::to_string(kMaxTokenFileBytes) + " bytes");
  }
  std::string token = boost::algorithm::trim_copy_if(text, boost::algorithm::is_any_of(" \t\r\n"));
  if (token.empty()) return Status::Invalid("bearer_token_file " + path + " is empty");
  if (token.find_first_of("\r\n") != std::string::npos) {
    return Status::Invalid("bearer_token_file " + path + " holds more than one line");
  }
  return token;
}

Result<std::unique_ptr<EasyHandle>> EasyHandle::Create(const std::string& url,
                                                       const RequestOptions& opts) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return Status::Invalid("url " + url + " cannot be parsed");
  }
  std::unique_ptr<EasyHandle> h(new EasyHandle());
  h->curl_ = curl_easy_init();
  if (h->curl_ == nullptr) return Status::Internal("curl_easy_init failed");
  CURL* c = h->curl_;
  h->base_url_ = url;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->error_);

  bool has_host_header = false;
  for (const auto& [name, value] : opts.headers) {
    has_host_header |= boost::algorithm::iequals(name, "host");
    h->headers_ = curl_slist_append(h->headers_, (name + ": " + value).c_str());
  }
  for (const auto& line : opts.extra_header_lines) {
    h->headers_ = curl_slist_append(h->headers_, line.c_str());
  }
  if (!opts.bearer_token.empty()) {
    h->headers_ =
        curl_slist_append(h->headers_, ("Authorization: Bearer " + opts.bearer_token).c_str());
  }

  const std::string host = UrlPart(u.get(), CURLUPART_HOST);
  const std::string port = UrlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  std::string target = host;
  if (!opts.connect_host.empty()) {
    const bool v6 = opts.connect_host.find(':') != std::string::npos;
    target = v6 && opts.connect_host[0] != '[' ? "[" + opts.connect_host + "]" : opts.connect_host;
  }
  if (opts.tls && !opts.tls->server_name.empty()) {
    const std::string explicit_port = UrlPart(u.get(), CURLUPART_PORT);
    const std::string& sn = opts.tls->server_name;
    h->connect_to_ =
        curl_slist_append(nullptr, (sn + ":" + port + ":" + target + ":" + port).c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, h->connect_to_);
    if (!has_host_header) {
      const std::string authority = explicit_port.empty() ? host : host + ":" + explicit_port;
      h->headers_ = curl_slist_append(h->headers_, ("Host: " + authority).c_str());
    }
    curl_url_set(u.get(), CURLUPART_HOST, sn.c_str(), 0);
    h->base_url_ = UrlPart(u.get(), CURLUPART_URL);
    if (!url.empty() && url.back() != '/' && !h->base_url_.empty() && h->base_url_.back() == '/' &&
        UrlPart(u.get(), CURLUPART_PATH) == "/") {
      h->base_url_.pop_back();  // curl_url_get adds "/" to an empty path
    }
  } else if (target != host) {
    h->connect_to_ =
        curl_slist_append(nullptr, (host + ":" + port + ":" + target + ":" + port).c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, h->connect_to_);
  }

  std::string error;
  if (opts.tls && !ApplyTls(c, *opts.tls, &error)) return Status::Invalid(error);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers_);
  curl_easy_setopt(c, CURLOPT_USERAGENT, UserAgent().c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (opts.http1_only) curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  h->sockets_.path = opts.path;
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &h->sockets_);
  const int family = opts.path.AllowedFamily();
  curl_easy_setopt(c, CURLOPT_IPRESOLVE,
                   family == AF_INET    ? CURL_IPRESOLVE_V4
                   : family == AF_INET6 ? CURL_IPRESOLVE_V6
                                        : CURL_IPRESOLVE_WHATEVER);
  h->SetPath("");
  return h;
}

EasyHandle::~EasyHandle() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
  curl_slist_free_all(headers_);
  curl_slist_free_all(connect_to_);
}

void EasyHandle::SetPath(const std::string& path) {
  sockets_.refused.clear();
  const std::string url = base_url_ + path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());  // libcurl copies the string
}

void EasyHandle::SetTimeout(Duration remaining) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(remaining).count();
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(ms, 1)));
}

PhaseTimes ReadPhaseTimes(CURL* c) {
  curl_off_t namelookup = 0, connect = 0, appconnect = 0, pretransfer = 0, start = 0, total = 0;
  curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME_T, &namelookup);
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &appconnect);
  curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
  curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &start);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
  auto sec = [](curl_off_t us) { return us > 0 ? static_cast<double>(us) / 1e6 : 0.0; };
  PhaseTimes p;
  p.resolve = sec(namelookup);
  p.connect = sec(connect - namelookup);
  p.tls = appconnect > 0 ? sec(appconnect - connect) : 0.0;
  p.processing = sec(start - pretransfer);
  p.transfer = sec(total - start);
  return p;
}

std::string ResponseHeader(CURL* c, const char* name) {
  std::string out;
  curl_header* h = nullptr;
  for (size_t i = 0;; ++i) {
    if (curl_easy_header(c, name, i, CURLH_HEADER, -1, &h) != CURLHE_OK) break;
    if (!out.empty()) out += ", ";
    out += h->value;
    if (i + 1 >= h->amount) break;
  }
  return out;
}

long ResponseCode(CURL* c) {  // NOLINT(runtime/int)
  long code = 0;              // NOLINT(runtime/int)
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

std::optional<double> PeerCertNotAfter(CURL* c) {
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return std::nullopt;
  }
  X509* cert = SSL_get1_peer_certificate(static_cast<SSL*>(info->internals));
  if (cert == nullptr) return std::nullopt;
  std::tm tm{};
  const bool ok = ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1;
  X509_free(cert);
  if (!ok) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

std::optional<UrlParts> ParseUrl(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  UrlParts p{UrlPart(u.get(), CURLUPART_SCHEME),
             UrlPart(u.get(), CURLUPART_HOST),
             UrlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT),
             UrlPart(u.get(), CURLUPART_PATH),
             UrlPart(u.get(), CURLUPART_USER),
             UrlPart(u.get(), CURLUPART_PASSWORD)};
  if (p.path.empty()) p.path = "/";
  return p;
}

namespace {

int OnSocketOpened(void* p, curl_socket_t fd, curlsocktype purpose) {
  auto* s = static_cast<TrackedSocket*>(p);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKOPT_OK;
  s->fd = fd;
  if (s->reset_on_close) {
    const linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  }
  return CURL_SOCKOPT_OK;
}

int OnSocketClose(void* p, curl_socket_t fd) {
  auto* s = static_cast<TrackedSocket*>(p);
  if (s->fd == fd) s->fd = CURL_SOCKET_BAD;
  return close(fd);
}

}  // namespace

void TrackSocket(CURL* c, TrackedSocket* s) {
  curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, OnSocketOpened);
  curl_easy_setopt(c, CURLOPT_SOCKOPTDATA, s);
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, OnSocketClose);
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, s);
}

namespace {

uint64_t Queued(const TrackedSocket& s, unsigned long request) {  // NOLINT(runtime/int)
  int queued = 0;
  if (s.fd == CURL_SOCKET_BAD || ioctl(s.fd, request, &queued) != 0 || queued < 0) return 0;
  return static_cast<uint64_t>(queued);
}

}  // namespace

uint64_t UnackedBytes(const TrackedSocket& s) { return Queued(s, SIOCOUTQ); }

uint64_t UnreadBytes(const TrackedSocket& s) { return Queued(s, SIOCINQ); }

std::string EasyHandle::ErrorText(CURLcode rc) const {
  // The buffer holds libcurl's detail, which can describe an earlier error of the
  // same transfer (one libcurl retried), so the final code's text comes first.
  std::string text = curl_easy_strerror(rc);
  if (error_[0] != '\0') text += std::string(": ") + error_;
  if (!sockets_.refused.empty()) text += "; " + sockets_.refused;
  return text;
}

}  // namespace hermes::net
