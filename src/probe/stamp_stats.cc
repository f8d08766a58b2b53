#include "probe/stamp_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hermes::probe {
namespace {

using net::stamp::NtpDifference;
using net::stamp::NtpTimestamp;

// The reflector's own time (T3 - T2), when its timestamps are usable.
std::optional<Duration> ReflectorTime(const StampPacketRecord& p) {
  if (p.reflector_received == NtpTimestamp{} || p.reflector_sent == NtpTimestamp{}) {
    return std::nullopt;
  }
  const Duration held = NtpDifference(p.reflector_sent, p.reflector_received);
  if (held < Duration::zero() || held > p.received - p.sent) return std::nullopt;
  return held;
}

// Running mean of |x|.
struct MeanAbs {
  double sum = 0;
  uint64_t n = 0;
  void Add(Duration d) {
    sum += std::abs(ToSeconds(d));
    ++n;
  }
  std::optional<double> Get() const {
    return n ? std::optional<double>(sum / static_cast<double>(n)) : std::nullopt;
  }
};

// The stats of a packet's segment; nullptr for packets no segment counts.
StampSegmentStats* SegmentOf(const StampPacketRecord& p, std::vector<StampSegmentStats>& out) {
  return p.segment >= 0 && static_cast<size_t>(p.segment) < out.size()
             ? &out[static_cast<size_t>(p.segment)]
             : nullptr;
}

struct Directions {
  uint64_t forward = 0;
  uint64_t backward = 0;
  bool known = false;
};

// Splits the unanswered packets in (a, b) by direction from the reflector's
// numbers: it reflected R(b) - R(a) - 1 of the b - a - 1 packets in between (R(-1)
// = -1: the session's start), `answered` of which came back.
Directions SplitGap(int64_t a, int64_t b, int64_t ra, int64_t rb, int64_t answered) {
  const int64_t inside = b - a - 1, reflected = rb - ra - 1;
  if (reflected < answered || reflected > inside) return {};
  return {static_cast<uint64_t>(inside - reflected), static_cast<uint64_t>(reflected - answered),
          true};
}

// Adds the directions of the unanswered packets in (a, b) to their segments: by
// count when they lie in one segment, per packet when all went one way, otherwise
// not at all (which ones of a mixed gap went which way is unknown).
void Attribute(const std::vector<StampPacketRecord>& packets, int64_t a, int64_t b,
               const Directions& d, std::vector<StampSegmentStats>& out) {
  if (!d.known || d.forward + d.backward == 0) return;
  std::vector<const StampPacketRecord*> lost;
  for (int64_t i = a + 1; i < b; ++i) {
    if (!packets[static_cast<size_t>(i)].answered) lost.push_back(&packets[static_cast<size_t>(i)]);
  }
  const bool one_segment = std::all_of(
      lost.begin(), lost.end(), [&](const auto* p) { return p->segment == lost.front()->segment; });
  if (one_segment) {
    if (StampSegmentStats* s = SegmentOf(*lost.front(), out)) {
      s->lost_forward += d.forward;
      s->lost_backward += d.backward;
    }
    return;
  }
  if (d.forward != 0 && d.backward != 0) return;
  for (const StampPacketRecord* p : lost) {
    if (StampSegmentStats* s = SegmentOf(*p, out)) {
      (d.forward != 0 ? s->lost_forward : s->lost_backward) += 1;
    }
  }
}

}  // namespace

Duration StampRtt(const StampPacketRecord& p) {
  // Never below 0: T4 < T1 can only be a clock's doing.
  return std::max(Duration::zero(),
                  p.received - p.sent - ReflectorTime(p).value_or(Duration::zero()));
}

StampAnalysis AnalyzeStampSession(const std::vector<StampPacketRecord>& packets, int segments) {
  StampAnalysis res;
  res.segments.resize(static_cast<size_t>(std::max(segments, 0)));
  std::vector<MeanAbs> rt(res.segments.size()), fwd(res.segments.size()), bwd(res.segments.size());
  const StampPacketRecord* prev = nullptr;
  for (size_t i = 0; i < packets.size(); ++i) {
    const StampPacketRecord& p = packets[i];
    StampSegmentStats* s = SegmentOf(p, res.segments);
    if (p.answered && p.reflector_sequence != i) res.reflector_stateful = true;
    if (s == nullptr) {
      prev = nullptr;
      continue;
    }
    ++s->sent;
    if (!p.answered) {
      ++s->lost;
      prev = nullptr;
      continue;
    }
    ++s->received;
    s->duplicates += p.duplicates;
    s->reordered += p.reordered ? 1 : 0;
    s->rtt_seconds.push_back(ToSeconds(StampRtt(p)));
    if (prev != nullptr && prev->segment == p.segment) {
      const size_t k = static_cast<size_t>(p.segment);
      rt[k].Add(StampRtt(p) - StampRtt(*prev));
      if (ReflectorTime(p) && ReflectorTime(*prev)) {
        fwd[k].Add(NtpDifference(p.reflector_received, prev->reflector_received) -
                   (p.sent - prev->sent));
        bwd[k].Add((p.received - prev->received) -
                   NtpDifference(p.reflector_sent, prev->reflector_sent));
      }
    }
    prev = &p;
  }
  for (size_t k = 0; k < res.segments.size(); ++k) {
    res.segments[k].ipdv_seconds = rt[k].Get();
    res.segments[k].ipdv_forward_seconds = fwd[k].Get();
    res.segments[k].ipdv_backward_seconds = bwd[k].Get();
  }
  if (!res.reflector_stateful) return res;
  // Directions, gap by gap between answered packets (the packets after the last
  // answered one have none); swapped packets are no anchors. Reflector numbers that
  // went to copies of a packet duplicated on the way there (seen as their replies)
  // were no packets of the gap: they shift its start.
  int64_t a = -1, ra = -1, answered = 0, extra = 0;
  for (size_t i = 0; i < packets.size(); ++i) {
    if (!packets[i].answered) continue;
    if (packets[i].swapped) {
      ++answered;
      extra += packets[i].extra_reflections;
      continue;
    }
    const int64_t b = static_cast<int64_t>(i), rb = packets[i].reflector_sequence;
    Attribute(packets, a, b, SplitGap(a, b, ra + extra, rb, answered), res.segments);
    a = b;
    ra = rb;
    answered = 0;
    extra = packets[i].extra_reflections;
  }
  return res;
}

}  // namespace hermes::probe
