// libcurl easy-handle adapter shared by the curl-based probes: one place that
// turns request options (TLS, headers, bearer token, proxy environment) into a
// configured CURL easy handle, applies the run's deadline, and reads phase timings
// and response headers back out. It knows nothing of hermes.yml: probe/ maps a
// probe's config onto RequestOptions (probe/http_request.h).
//
// Process setup: CurlGlobalInit() must be called once by main before any thread
// starts (libcurl's global init is not thread-safe); tests call it too. Handles
// are not thread-safe: one EasyHandle is used by one thread at a time.
//
// TLS server_name: libcurl has no "SNI override" option, so when server_name is set
// the request URL's host is replaced by server_name (that name is then used for
// SNI and certificate verification) and CURLOPT_CONNECT_TO sends the TCP
// connection to the URL's real host and port. The Host header keeps the URL's
// original authority, as Prometheus' tls_config.server_name does.
//
// Proxies: libcurl reads http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY from the
// environment for every easy handle (uppercase HTTP_PROXY is ignored by libcurl on
// purpose, see "httpoxy"); hermes adds nothing on top.
//
// Sockets: hermes opens every socket itself (CURLOPT_OPENSOCKETFUNCTION), binds it
// to RequestOptions::path (net/path.h) and refuses an unspecified destination
// (0.0.0.0, ::), which would reach this host's own listeners: the request then
// fails as a connect error whose text says why. libcurl resolves only the family
// the path allows (CURLOPT_IPRESOLVE).
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "net/path.h"

namespace hermes::net {

// Calls curl_global_init(CURL_GLOBAL_ALL) once per process; later calls return
// the first call's outcome. Call from main before starting threads.
Status CurlGlobalInit();

// "hermes/<version>".
std::string UserAgent();

// Reads a bearer token file: the whole file with surrounding whitespace trimmed.
// It must be a regular file of at most kMaxTokenFileBytes holding one non-empty
// line. The token never appears in the returned error.
inline constexpr long kMaxTokenFileBytes = 4096;  // NOLINT(runtime/int): off_t
Result<std::string> ReadBearerToken(const std::string& path);

// TLS client settings, with the meaning of Prometheus' tls_config keys.
struct TlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "" (library default), "TLS10" .. "TLS13"
};

// What every request of a probe run shares.
struct RequestOptions {
  std::optional<TlsOptions> tls;
  std::map<std::string, std::string> headers;
  std::string bearer_token;  // "" for none; sent as "Authorization: Bearer <token>"
  std::vector<std::string> extra_header_lines;  // "Name: value" or "Name:" (suppress)
  // HTTP/1.1 only: one request per connection, so N streams are N TCP connections
  // (HTTP/2 would multiplex them onto one).
  bool http1_only = false;
  // When set, connections go to this host (the URL's port) instead of the URL's
  // host, which still names the server (Host header, SNI, certificate): the
  // responsiveness draft's test_endpoint.
  std::string connect_host;
  PathOptions path;  // source address, interface and family of every connection
};

// An owned easy handle plus everything libcurl keeps pointers to (header list,
// CONNECT_TO list), so they live exactly as long as the handle.
class EasyHandle {
 public:
  // A handle with `opts` applied for requests to `url` (scheme://host[:port]/path).
  // Fails (kInvalidArgument) if the URL cannot be parsed.
  static Result<std::unique_ptr<EasyHandle>> Create(const std::string& url,
                                                    const RequestOptions& opts);
  ~EasyHandle();
  EasyHandle(const EasyHandle&) = delete;
  EasyHandle& operator=(const EasyHandle&) = delete;

  CURL* get() const { return curl_; }

  // Sets the URL of the next request: the base URL given to Create() with `path`
  // appended (e.g. "/__down?bytes=0"); with server_name, the host substituted.
  // Forgets why an earlier request's socket was refused.
  void SetPath(const std::string& path);

  // Applies what remains of the run's deadline as CURLOPT_TIMEOUT_MS (at least 1 ms:
  // 0 would mean "no timeout" to libcurl).
  void SetTimeout(Duration remaining);

  // curl_easy_strerror(rc), then libcurl's detail for the transfer on this handle
  // when it left one (its CURLOPT_ERRORBUFFER), e.g. "Couldn't connect to server:
  // Failed to connect to 127.0.0.1 port 9: Connection refused", then why hermes
  // refused a socket, if it did.
  std::string ErrorText(CURLcode rc) const;

  // What CURLOPT_OPENSOCKETFUNCTION works with (public for the callback).
  struct Sockets {
    PathOptions path;
    std::string refused;  // why the last socket was not opened, "" if none was refused
  };

 private:
  EasyHandle() = default;
  CURL* curl_ = nullptr;
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  std::string base_url_;  // with server_name substituted, no trailing slash
  Sockets sockets_;
  char error_[CURL_ERROR_SIZE] = {};
};

// Phase durations of the last request on `curl`, in seconds (blackbox_exporter's
// names): resolve = NAMELOOKUP; connect = CONNECT - NAMELOOKUP; tls = APPCONNECT -
// CONNECT (0 without TLS); processing = STARTTRANSFER - PRETRANSFER (request sent ->
// first byte); transfer = TOTAL - STARTTRANSFER. Reused connections report 0 for
// resolve/connect/tls.
struct PhaseTimes {
  double resolve = 0, connect = 0, tls = 0, processing = 0, transfer = 0;
};
PhaseTimes ReadPhaseTimes(CURL* curl);

// The value of response header `name` of the last request ("" if absent). With
// several header lines of that name, they are joined with ", " as RFC 9110 allows.
std::string ResponseHeader(CURL* curl, const char* name);

long ResponseCode(CURL* curl);  // NOLINT(runtime/int): libcurl's type

// The parts of an absolute URL as libcurl's URL parser reads them: scheme, host
// (IPv6 in brackets), port (the scheme's default when absent), path ("/" when
// empty), user and password ("" when absent). nullopt when libcurl cannot parse it.
struct UrlParts {
  std::string scheme, host, port, path, user, password;
};
std::optional<UrlParts> ParseUrl(const std::string& url);

// The TCP socket of the connection an easy handle opens, for socket options and
// statistics (CURLINFO_ACTIVESOCKET only knows it once a first transfer has ended).
// TrackSocket() installs libcurl socket callbacks that keep `fd` current; the
// struct must outlive the handle's connections. With `reset_on_close`, libcurl's
// close of the socket resets the connection (SO_LINGER 0) and drops what is still
// queued, instead of the kernel draining it onto the link after an upload was
// stopped: a measurement that ended must not keep loading the link.
struct TrackedSocket {
  curl_socket_t fd = CURL_SOCKET_BAD;
  bool reset_on_close = false;
};
void TrackSocket(CURL* curl, TrackedSocket* s);

// Bytes written to the tracked socket that the peer has not acknowledged yet
// (SIOCOUTQ: unsent + in flight); 0 without a socket.
uint64_t UnackedBytes(const TrackedSocket& s);
// Bytes the kernel has received on the tracked socket that the application has not
// read yet (SIOCINQ); 0 without a socket.
uint64_t UnreadBytes(const TrackedSocket& s);

// notAfter of the peer certificate of the TLS connection `curl` is using, as Unix
// seconds; nullopt without TLS. Call while the connection is alive (from a header
// or write callback), as CURLINFO_TLS_SSL_PTR requires.
std::optional<double> PeerCertNotAfter(CURL* curl);

}  // namespace hermes::net
