#include "probe/stamp_session.h"

#include <poll.h>

#include <algorithm>
#include <random>
#include <string>

namespace hermes::probe {
namespace {

namespace stamp = net::stamp;

constexpr Duration kMinFinalWait = std::chrono::seconds(1);
constexpr int kFinalWaitRtts = 3;
constexpr int kReceiveBatch = 256;

uint16_t RandomSsid() {
  std::random_device rd;
  return static_cast<uint16_t>(std::uniform_int_distribution<int>(1, 0xFFFF)(rd));
}

}  // namespace

Result<StampSession> StampSession::Open(const net::SocketAddress& reflector,
                                        const StampSessionOptions& options) {
  if (options.packet_bytes < stamp::kBasePacketBytes ||
      options.packet_bytes > stamp::kMaxPacketBytes || options.count == 0 ||
      options.interval <= Duration::zero()) {
    return Status::Invalid("STAMP session: packet size, count or interval out of range");
  }
  auto sock = net::UdpSocket::Connect(reflector, options.path);
  if (!sock.ok()) return sock.status();
  return StampSession(std::move(sock).value(), reflector, options, RandomSsid());
}

StampSession::StampSession(net::UdpSocket socket, const net::SocketAddress& reflector,
                           const StampSessionOptions& options, uint16_t ssid)
    : socket_(std::move(socket)),
      reflector_(reflector),
      options_(options),
      ssid_(ssid),
      buf_(options.packet_bytes) {}

void StampSession::SendNext(Clock& clock, int segment) {
  if (swap_owed_) {
    const uint32_t seq = *swap_owed_;
    swap_owed_.reset();
    Send(clock, seq, segment, true);
  } else if (!shown_stateful_ && since_swap_ >= kSwapEvery &&
             options_.count - next_sequence_ >= 2) {
    swap_owed_ = next_sequence_;
    Send(clock, next_sequence_ + 1, segment, true);
    next_sequence_ += 2;
    since_swap_ = 0;
  } else {
    Send(clock, next_sequence_++, segment, false);
  }
}

void StampSession::Send(Clock& clock, uint32_t sequence, int segment, bool swapped) {
  ++since_swap_;
  stamp::SenderPacket p;
  p.sequence = sequence;
  p.error = stamp::SystemErrorEstimate();
  p.ssid = ssid_;
  if (p.sequence >= packets_.size()) {
    // Not counted until sent: a swapped pair's first packet, owed when a deadline
    // ends the session, was never sent and is no loss.
    packets_.resize(p.sequence + 1, StampPacketRecord{.segment = -1});
    sender_timestamps_.resize(p.sequence + 1);
  }
  std::vector<uint8_t> out(options_.packet_bytes, 0);
  StampPacketRecord& r = packets_[p.sequence];
  r.segment = segment;
  r.swapped = swapped;
  p.timestamp = stamp::ToNtp(clock.WallNow());
  stamp::EncodeSender(p, out);
  r.sent = clock.SteadyNow();
  Status s = socket_.Send(out);
  if (!s.ok()) {
    // A pending error from an earlier packet (an ICMP port unreachable surfaces on
    // the next call) fails this send once; the retry transmits it.
    last_error_ = s.message();
    r.sent = clock.SteadyNow();
    s = socket_.Send(out);
  }
  sender_timestamps_[p.sequence] = p.timestamp;
  last_sent_ = r.sent;
  if (s.ok()) {
    bytes_sent_ += out.size();
    ++packets_sent_;
  } else {
    last_error_ = s.message();
  }
}

void StampSession::Receive(Clock& clock) {
  // A bounded batch per wake-up, so that a flood cannot hold off the next send.
  for (int i = 0; i < kReceiveBatch; ++i) {
    if (datagrams_read_ >= kMaxDatagramsPerPacket * packets_sent_) {
      // The budget of datagrams is spent: one more waiting ends the session unread.
      pollfd p{socket_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0) {
        overrun_ = "the reflector sent more than " + std::to_string(kMaxDatagramsPerPacket) +
                   " datagrams per packet (" + std::to_string(datagrams_read_) + " read for " +
                   std::to_string(packets_sent_) + " packets: " + std::to_string(duplicates_) +
                   " duplicate replies, " + std::to_string(not_replies_) + " not replies, " +
                   std::to_string(oversized_) + " of them larger than the packet); " +
                   "session ended early";
      }
      return;
    }
    if (!ReceiveOne(clock)) return;
  }
}

bool StampSession::ReceiveOne(Clock& clock) {
  auto got = socket_.TryReceive(buf_);
  if (!got.ok()) {
    last_error_ = got.status().message();  // e.g. refused: keep listening
    return true;
  }
  if (!got->has_value()) return false;
  const net::ReceivedDatagram& d = **got;
  const SteadyTime now = clock.SteadyNow() - d.age;
  ++datagrams_read_;
  bytes_received_ += d.size;  // at most packet_bytes: the buffer's size
  // Larger than the packet (truncated into the buffer): not a reply (RFC 8762 4.3).
  auto reply = d.truncated ? std::nullopt
                           : stamp::DecodeReflector(std::span<const uint8_t>(buf_.data(), d.size));
  if (!reply || reply->sender_sequence >= packets_.size() ||
      (reply->ssid != ssid_ && reply->ssid != 0) ||
      sender_timestamps_[reply->sender_sequence] == stamp::NtpTimestamp{} ||  // not sent yet
      reply->sender_timestamp != sender_timestamps_[reply->sender_sequence]) {
    ++not_replies_;  // not a reply to this session's packets
    if (d.truncated) ++oversized_;
    return true;
  }
  StampPacketRecord& r = packets_[reply->sender_sequence];
  if (r.answered) {
    ++r.duplicates;
    if (reply->sequence != r.reflector_sequence) ++r.extra_reflections;
    ++duplicates_;
    return true;
  }
  r.answered = true;
  r.received = now;
  r.reflector_sequence = reply->sequence;
  r.reflector_received = reply->receive_timestamp;
  r.reflector_sent = reply->timestamp;
  // A swapped pair's first packet follows its second on purpose: not a reordering.
  r.reordered = any_answered_ && reply->sender_sequence < highest_answered_ &&
                !(r.swapped && highest_answered_ == reply->sender_sequence + 1);
  shown_stateful_ = shown_stateful_ || reply->sequence != reply->sender_sequence;
  highest_answered_ = std::max(highest_answered_, reply->sender_sequence);
  any_answered_ = true;
  ++answered_;
  max_rtt_ = std::max(max_rtt_, StampRtt(r));
  return true;
}

Status StampSession::Run(Clock& clock, const net::Deadline& d, SteadyTime send_until,
                         const std::atomic<bool>& stop,
                         const std::function<int(SteadyTime)>& segment_at) {
  SteadyTime next_send = clock.SteadyNow();
  SteadyTime wait_until{};
  bool sending = true;
  while (!d.Expired() && overrun_.empty()) {
    const SteadyTime now = clock.SteadyNow();
    const bool all_sent = next_sequence_ >= options_.count && !swap_owed_;
    if (sending && (all_sent || stop.load() || now >= send_until)) {
      // A swapped pair's first packet is still owed: a session never ends without it.
      if (swap_owed_) SendNext(clock, segment_at(now));
      sending = false;
      const SteadyTime last = packets_.empty() ? now : last_sent_;
      wait_until = std::min(d.at, last + std::max(kMinFinalWait, kFinalWaitRtts * max_rtt_));
    }
    if (sending && now >= next_send) {
      SendNext(clock, segment_at(now));
      // Isochronous while on time; after a stall of more than an interval, one
      // packet goes at once and the schedule restarts from there (no burst).
      next_send += options_.interval;
      if (next_send <= now) next_send = now + options_.interval;
      continue;
    }
    if (!sending && (answered_ == packets_.size() || now >= wait_until)) return Status::Ok();
    // While sending, in slices, so that `stop` ends the sending promptly.
    auto ready = net::WaitFd(
        socket_.fd(), POLLIN,
        d.Sooner(sending ? std::min({next_send, send_until, now + net::kPollSlice}) : wait_until));
    if (ready.ok()) Receive(clock);
  }
  Receive(clock);
  return d.Cancelled() ? net::ExpiredStatus(d, "STAMP session") : Status::Ok();
}

}  // namespace hermes::probe
