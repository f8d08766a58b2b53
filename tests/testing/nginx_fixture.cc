#include "testing/nginx_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace hermes::testing {
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t i = s.find(from); i != std::string::npos; i = s.find(from, i + to.size())) {
    s.replace(i, from.size(), to);
  }
  return s;
}

}  // namespace

NginxFixture::NginxFixture(NginxOptions opts) : opts_(std::move(opts)) {
  namespace fs = std::filesystem;
  fs::create_directories(dir_.File("html"));
  WriteFile(dir_.File("html/small"), "x");
  WriteFile(dir_.File("html/large"), "");
  fs::resize_file(dir_.File("html/large"), 8ull << 30);  // sparse: no disk used
  for (int attempt = 0; attempt < 5 && !Start(); ++attempt) {
  }
}

NginxFixture::~NginxFixture() { Stop(); }

void NginxFixture::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGQUIT);  // graceful: finishes (and logs) what is open, then exits
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string NginxFixture::AccessLog() {
  Stop();
  return ReadFile(dir_.File("access.log"));
}

std::string NginxFixture::origin() const {
  return (opts_.cert_file.empty() ? "http://127.0.0.1:" : "https://localhost:") +
         std::to_string(port_);
}

bool NginxFixture::Start() {
  if (access(kNginx, X_OK) != 0) {
    error_ = std::string(kNginx) + " not found; scripts/deps.sh test installs nginx-light";
    return true;  // no point in retrying
  }
  port_ = UnusedLoopbackPort();
  const std::string d = dir_.path();
  const bool tls = !opts_.cert_file.empty();
  std::string nq =
      opts_.nq_json.empty()
          ? R"({"version": 1, "urls": {"small_download_url": "{origin}/small", )"
            R"("large_download_url": "{origin}/large", "upload_url": "{origin}/upload"}})"
          : opts_.nq_json;
  nq = ReplaceAll(nq, "{origin}", origin());
  WriteFile(d + "/nq.json", nq);
  std::string listen = "listen 127.0.0.1:" + std::to_string(port_);
  if (tls) listen += " ssl";
  if (opts_.http2) listen += " http2";
  const std::string upload =
      opts_.upload_upstream.empty()
          ? "return 200 \"ok\\n\";"
          : "proxy_pass http://" + opts_.upload_upstream +
                "/__up; proxy_http_version 1.1; proxy_request_buffering off;";
  std::string conf = "daemon off; master_process off; pid " + d + "/nginx.pid;\n";
  if (geteuid() == 0) conf += "user root;\n";  // the workers read the 0700 temp prefix
  conf += "error_log " + d + "/error.log;\nevents { worker_connections 1024; }\n";
  conf += "http {\n  keepalive_requests 1000000;\n";
  if (opts_.access_log) {
    conf += "  map $http_authorization$http_x_secret $auth { \"\" -; default auth; }\n";
    conf +=
        "  log_format rpm '$connection $connection_requests $request_method $uri $status "
        "$auth';\n  access_log " +
        d + "/access.log rpm;\n";
  } else {
    conf += "  access_log off;\n";
  }
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf += "  " + std::string(t) + "_temp_path " + d + "/" + t + ";\n";
  }
  conf += "  server {\n    " + listen + ";\n    root " + d + "/html;\n";
  if (tls) {
    conf += "    ssl_certificate " + opts_.cert_file + ";\n    ssl_certificate_key " +
            opts_.key_file + ";\n";
  }
  conf += "    location = /.well-known/nq { default_type application/json; alias " + d +
          "/nq.json; }\n";
  conf += "    location = /small { default_type application/octet-stream; }\n";
  conf += "    location = /large { default_type application/octet-stream; " +
          (opts_.large_rate.empty() ? "" : "limit_rate " + opts_.large_rate + "; ") + "}\n";
  conf += "    location = /upload { client_max_body_size 0; client_body_buffer_size 1m; " + upload +
          " }\n";
  conf += opts_.extra + "\n  }\n}\n";
  WriteFile(d + "/nginx.conf", conf);
  const std::string pid_file = d + "/nginx.pid";
  std::filesystem::remove(pid_file);  // a previous attempt's

  const pid_t pid = fork();
  if (pid == 0) {
    execl(kNginx, kNginx, "-c", (d + "/nginx.conf").c_str(), "-p", d.c_str(), "-e",
          (d + "/error.log").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Up to 10 s for a loaded machine to start it; on a port clash it retries for 2 s,
  // then exits. Another process may hold the port meanwhile, so the port accepting is
  // not enough: nginx writes its pid file once it has bound its listening socket.
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      error_ = "nginx exited: " + ReadFile(d + "/error.log");
      return false;
    }
    if (std::atoi(ReadFile(pid_file).c_str()) == pid && Accepts(port_)) {
      pid_ = pid;
      error_.clear();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  error_ = "nginx did not start listening within 10 s";
  return false;
}

}  // namespace hermes::testing
