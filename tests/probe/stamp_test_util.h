// A scripted STAMP reflector for the session-sender's and the stamp probe's tests.
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/stamp_packet.h"
#include "net/udp_socket.h"

namespace hermes::probe::testutil {

// What the scripted reflector does with the sender's packet number S.
// kDuplicate: the reply twice (duplicated on the way back); kDuplicateForward: the
// request arrives twice, so two replies with reflector numbers of their own.
enum class Act { kReply, kDropForward, kDropBackward, kDuplicate, kDuplicateForward, kHoldForNext };

// A misbehaving-on-purpose STAMP reflector on 127.0.0.1: stateful numbering per
// session (it counts what it reflected, a lost reply included), every packet's
// fate scripted.
class ScriptedReflector {
 public:
  explicit ScriptedReflector(std::function<Act(uint32_t)> script, bool stateful = true)
      : script_(std::move(script)),
        stateful_(stateful),
        sock_(net::UdpSocket::Bind(*net::SocketAddress::FromIp("127.0.0.1", 0), false).value()),
        thread_([this] { Loop(); }) {}
  ~ScriptedReflector() {
    done_ = true;
    thread_.join();
  }
  net::SocketAddress address() const {
    return *net::SocketAddress::FromIp("127.0.0.1", sock_.LocalPort());
  }
  // Datagrams sent before every real reply, a dropped one's too (stray, forged,
  // duplicated or oversized ones: a hostile reflector). Set before the first packet.
  std::function<std::vector<std::vector<uint8_t>>(const std::vector<uint8_t>& reply)> noise;
  std::vector<size_t> sizes() {
    std::lock_guard<std::mutex> l(mu_);
    return sizes_;
  }
  // The source address of every sender packet, in arrival order.
  std::vector<std::string> sources() {
    std::lock_guard<std::mutex> l(mu_);
    return sources_;
  }
  // Sender sequence numbers in arrival order.
  std::vector<uint32_t> sequences() {
    std::lock_guard<std::mutex> l(mu_);
    return sequences_;
  }

 private:
  void Loop() {
    std::vector<uint8_t> buf(65536);
    std::vector<uint8_t> held;
    net::SocketAddress held_to;
    while (!done_) {
      pollfd p{sock_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      auto d = sock_.TryReceive(buf);
      if (!d.ok() || !d->has_value()) continue;
      const net::ReceivedDatagram& in = **d;
      auto req = net::stamp::DecodeSender(std::span<const uint8_t>(buf.data(), in.size));
      if (!req) continue;
      {
        std::lock_guard<std::mutex> l(mu_);
        sizes_.push_back(in.size);
        sequences_.push_back(req->sequence);
        sources_.push_back(in.from.IpString());
      }
      const Act act = script_(req->sequence);
      if (act == Act::kDropForward) continue;
      net::stamp::ReflectorPacket r;
      r.sequence = stateful_ ? next_[{in.from.port(), req->ssid}]++ : req->sequence;
      r.ssid = req->ssid;
      r.sender_sequence = req->sequence;
      r.sender_timestamp = req->timestamp;
      r.receive_timestamp = net::stamp::ToNtp(std::chrono::system_clock::now());
      r.timestamp = net::stamp::ToNtp(std::chrono::system_clock::now());
      std::vector<uint8_t> out(buf.begin(), buf.begin() + static_cast<long>(in.size));
      net::stamp::EncodeReflector(r, out);
      if (noise) {
        for (const auto& n : noise(out)) (void)sock_.SendTo(n, in.from, {});
      }
      if (act == Act::kDropBackward) continue;
      if (act == Act::kHoldForNext) {
        held = out;
        held_to = in.from;
        continue;
      }
      (void)sock_.SendTo(out, in.from, {});
      if (act == Act::kDuplicate) (void)sock_.SendTo(out, in.from, {});
      if (act == Act::kDuplicateForward) {
        r.sequence = next_[{in.from.port(), req->ssid}]++;
        net::stamp::EncodeReflector(r, out);
        (void)sock_.SendTo(out, in.from, {});
      }
      if (!held.empty()) {
        (void)sock_.SendTo(held, held_to, {});
        held.clear();
      }
    }
  }

  std::function<Act(uint32_t)> script_;
  const bool stateful_;
  net::UdpSocket sock_;
  std::map<std::pair<uint16_t, uint16_t>, uint32_t> next_;  // by (client port, SSID)
  std::mutex mu_;
  std::vector<size_t> sizes_;
  std::vector<uint32_t> sequences_;
  std::vector<std::string> sources_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace hermes::probe::testutil
