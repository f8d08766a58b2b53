#include "server/h2_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl.hpp>

#include "server/h2_connection.h"

namespace hermes::server {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kReadBytes = 64 * 1024;
// Bounds of each write and of TCP_NOTSENT_LOWAT; between them, ~5 ms at the
// measured rate (the draft's target for self-induced delay at an endpoint).
// A response on a loaded connection waits behind the rest of the current write
// and the unsent bytes in the kernel: with 10+ connections sharing 50 Mbit/s a
// 16 KiB floor (and whole 16 KiB DATA frames) cost ~30 ms; 4 KiB is one small TLS
// record.
constexpr size_t kMinWrite = 4 * 1024;
constexpr size_t kFirstWrite = 64 * 1024;  // until the first rate measurement
constexpr size_t kMaxWrite = 256 * 1024;
constexpr size_t kMaxNotSent = 4u << 20;
constexpr auto kPacingTarget = std::chrono::milliseconds(5);
constexpr auto kPacingInterval = std::chrono::milliseconds(100);

class H2Session : public std::enable_shared_from_this<H2Session> {
 public:
  H2Session(ServerCore& core, H2TlsStream stream, std::unique_ptr<net::ssl::context> tls_ctx,
            std::string ip, uint64_t limiter_id)
      : core_(core),
        ip_(std::move(ip)),
        limiter_id_(limiter_id),
        tls_ctx_(std::move(tls_ctx)),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        conn_(core, ip_, Clock::now()) {}

  ~H2Session() {
    int open = core_.limiter.Release(limiter_id_);
    if (core_.observer != nullptr) core_.observer->OnConnectionsChanged(open);
  }

  void Start() {
    Tcp().expires_never();  // H2Connection's deadlines apply from here on
    if (!conn_.Start().ok()) return Abort();
    pacing_at_ = Clock::now();
    SetNotSentLowat(kFirstWrite);
    Flush();
    Read();
    ArmTimer();
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void Read() {
    stream_.async_read_some(
        net::buffer(rbuf_), [self = shared_from_this()](beast::error_code ec, size_t n) {
          if (self->done_) return;
          if (ec) return self->Abort();
          if (!self->conn_.Receive(self->rbuf_.data(), n, Clock::now()).ok()) {
            self->closing_ = true;  // flush the GOAWAY, then close; read no more
            return self->Flush();
          }
          self->Flush();
          self->ArmTimer();
          self->Read();
        });
  }

  void Flush() {
    if (writing_ || done_) return;
    wbuf_.clear();
    conn_.Produce(wbuf_, write_size_, Clock::now());
    if (wbuf_.empty()) {
      if (closing_ || conn_.Finished()) Close();
      return;
    }
    writing_ = true;
    write_started_ = Clock::now();
    net::async_write(stream_, net::buffer(wbuf_),
                     [self = shared_from_this()](beast::error_code ec, size_t n) {
                       self->writing_ = false;
                       self->written_ += n;
                       if (self->done_) return;
                       if (ec) return self->Abort();
                       self->Pace(Clock::now());
                       self->Flush();
                       self->ArmTimer();
                     });
  }

  // Re-arms the timer only when the next deadline moved earlier; a timer that
  // fires early just re-checks.
  void ArmTimer() {
    auto due = conn_.NextDeadline();
    if (writing_) due = std::min(due, write_started_ + core_.limits.write_timeout);
    if (due == Clock::time_point::max() || (armed_ && due >= armed_for_)) return;
    armed_ = true;
    armed_for_ = due;
    timer_.expires_at(due);
    timer_.async_wait([self = shared_from_this(), gen = ++timer_gen_](beast::error_code) {
      if (gen != self->timer_gen_ || self->done_) return;  // superseded or closed
      self->armed_ = false;
      self->OnTimer();
    });
  }

  void OnTimer() {
    const auto now = Clock::now();
    if (writing_ && now >= write_started_ + core_.limits.write_timeout) return Abort();
    conn_.OnTimer(now);
    Flush();
    ArmTimer();
  }

  // Every kPacingInterval while sending: about kPacingTarget of the measured rate
  // may wait unsent in the kernel, and each write carries as much.
  void Pace(Clock::time_point now) {
    if (now < pacing_at_ + kPacingInterval) return;
    const double seconds = std::chrono::duration<double>(now - pacing_at_).count();
    const double rate = static_cast<double>(written_ - paced_bytes_) / seconds;
    const auto target =
        static_cast<size_t>(rate * std::chrono::duration<double>(kPacingTarget).count());
    write_size_ = std::clamp(target, kMinWrite, kMaxWrite);
    SetNotSentLowat(std::clamp(target, kMinWrite, kMaxNotSent));
    pacing_at_ = now;
    paced_bytes_ = written_;
  }

  void SetNotSentLowat(size_t bytes) {
    const int v = static_cast<int>(bytes);
    ::setsockopt(Tcp().socket().native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof v);
  }

  void Close() { Shutdown(false); }
  void Abort() { Shutdown(true); }

  void Shutdown(bool reset) {
    if (done_) return;
    done_ = true;
    ++timer_gen_;
    timer_.cancel();
    beast::error_code ec;
    if (reset) Tcp().socket().set_option(net::socket_base::linger(true, 0), ec);
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().socket().close(ec);
  }

  ServerCore& core_;
  const std::string ip_;
  const uint64_t limiter_id_;                   // core_.limiter slot, released by the destructor
  std::unique_ptr<net::ssl::context> tls_ctx_;  // must outlive stream_
  H2TlsStream stream_;
  net::steady_timer timer_;
  H2Connection conn_;
  std::array<uint8_t, kReadBytes> rbuf_;
  std::string wbuf_;
  size_t write_size_ = kFirstWrite;
  bool writing_ = false;
  bool closing_ = false;
  bool done_ = false;
  bool armed_ = false;
  Clock::time_point armed_for_;
  uint64_t timer_gen_ = 0;
  Clock::time_point write_started_;
  uint64_t written_ = 0;
  uint64_t paced_bytes_ = 0;
  Clock::time_point pacing_at_;
};

}  // namespace

void StartH2Session(ServerCore& core, H2TlsStream stream,
                    std::unique_ptr<net::ssl::context> tls_ctx, std::string client_ip,
                    uint64_t limiter_id) {
  std::make_shared<H2Session>(core, std::move(stream), std::move(tls_ctx), std::move(client_ip),
                              limiter_id)
      ->Start();
}

}  // namespace hermes::server
