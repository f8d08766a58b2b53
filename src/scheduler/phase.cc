#include "scheduler/phase.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace hermes::scheduler {

uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Duration StablePhase(std::string_view instance, std::string_view probe_name, Duration interval) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(interval).count();
  if (ms <= 0) return Duration::zero();
  std::string key;
  key.reserve(instance.size() + probe_name.size() + 1);
  key.append(instance).push_back('\n');
  key.append(probe_name);
  return std::chrono::milliseconds(Fnv1a64(key) % static_cast<uint64_t>(ms));
}

Duration WallMod(WallTime t, Duration period) {
  const auto since = std::chrono::duration_cast<Duration>(t.time_since_epoch());
  Duration r = since % period;
  if (r < Duration::zero()) r += period;
  return r;
}

namespace {
// (t - phase) mod interval, on the epoch grid.
Duration SinceSlot(WallTime t, Duration interval, Duration phase) {
  Duration r = (WallMod(t, interval) - phase % interval) % interval;
  if (r < Duration::zero()) r += interval;
  return r;
}
}  // namespace

WallTime SlotContaining(WallTime t, Duration interval, Duration phase) {
  return t - std::chrono::duration_cast<WallTime::duration>(SinceSlot(t, interval, phase));
}

WallTime SlotAtOrAfter(WallTime t, Duration interval, Duration phase) {
  const Duration since = SinceSlot(t, interval, phase);
  if (since == Duration::zero()) return t;
  return t + std::chrono::duration_cast<WallTime::duration>(interval - since);
}

WallTime NextWithOffset(WallTime t, Duration period, Duration offset) {
  return SlotAtOrAfter(t, period, offset);
}

void ScrapeOffsetEstimator::Observe(WallTime t) {
  arrivals_.push_back(t);
  while (arrivals_.size() > kCapacity) arrivals_.pop_front();
}

std::vector<Duration> ScrapeOffsetEstimator::Offsets(WallTime now, Duration s) const {
  std::vector<Duration> out;
  if (s <= Duration::zero()) return out;
  const double period = static_cast<double>(s.count());
  const WallTime oldest = now - std::chrono::duration_cast<WallTime::duration>(s * kMaxAgeCycles);
  std::vector<double> pos;  // fraction of the scrape interval, [0, 1)
  for (WallTime t : arrivals_) {
    if (t < oldest || t > now) continue;
    pos.push_back(static_cast<double>(WallMod(t, s).count()) / period);
  }
  if (static_cast<int>(pos.size()) < kMinAgree) return out;
  std::sort(pos.begin(), pos.end());

  // Start the walk just after the widest gap (circularly), so no cluster is split
  // by the 0/1 boundary. If even the widest gap is small, everything is one blur.
  const size_t n = pos.size();
  size_t start = 0;
  double widest = -1;
  for (size_t i = 0; i < n; ++i) {
    const double gap = i == 0 ? pos[0] + 1.0 - pos[n - 1] : pos[i] - pos[i - 1];
    if (gap > widest) widest = gap, start = i;
  }
  if (widest <= kGapFraction) return out;

  auto flush = [&](const std::vector<double>& c) {
    if (static_cast<int>(c.size()) < kMinAgree) return;
    double spread = c.back() - c.front();
    if (spread < 0) spread += 1.0;
    if (spread >= kMaxSpreadFraction) return;
    double sx = 0, sy = 0;
    for (double p : c) {
      sx += std::cos(2 * std::numbers::pi * p);
      sy += std::sin(2 * std::numbers::pi * p);
    }
    double mean = std::atan2(sy, sx) / (2 * std::numbers::pi);
    if (mean < 0) mean += 1.0;
    auto off = Duration(static_cast<Duration::rep>(std::llround(mean * period)));
    if (off >= s) off -= s;
    out.push_back(off);
  };
  std::vector<double> cluster;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    if (!cluster.empty()) {
      double gap = pos[i] - cluster.back();
      if (gap < 0) gap += 1.0;
      if (gap > kGapFraction) {
        flush(cluster);
        cluster.clear();
      }
    }
    cluster.push_back(pos[i]);
  }
  flush(cluster);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Duration> ScrapeIntervalWatch::Observe(const std::string& client, WallTime t,
                                                     Duration expected) {
  ++tick_;
  auto it = clients_.find(client);
  if (it == clients_.end()) {
    if (clients_.size() >= kMaxClients) {
      clients_.erase(std::min_element(clients_.begin(), clients_.end(), [](auto& a, auto& b) {
        return a.second.seen < b.second.seen;
      }));
    }
    clients_.emplace(client, Client{t, {}, std::nullopt, tick_});
    return std::nullopt;
  }
  Client& c = it->second;
  c.seen = tick_;
  const auto gap = std::chrono::duration_cast<Duration>(t - c.last);
  c.last = t;
  if (gap <= Duration::zero()) return std::nullopt;
  c.gaps.push_back(gap);
  if (c.gaps.size() > kGaps) c.gaps.pop_front();
  if (c.gaps.size() < kGaps) return std::nullopt;

  std::vector<Duration> sorted(c.gaps.begin(), c.gaps.end());
  std::sort(sorted.begin(), sorted.end());
  const auto within = [](Duration a, Duration b, Duration of) {
    return std::abs(static_cast<double>((a - b).count())) <=
           kTolerance * static_cast<double>(of.count());
  };
  if (!within(sorted.back(), sorted.front(), sorted.back())) return std::nullopt;  // irregular
  // Rounded to 100 ms: scrapers run on whole intervals; the rest is network and queueing.
  const Duration steady =
      std::chrono::round<std::chrono::duration<int64_t, std::deci>>(sorted[sorted.size() / 2]);
  if (within(steady, expected, expected)) {
    c.reported.reset();
    return std::nullopt;
  }
  if (c.reported && within(steady, *c.reported, steady)) return std::nullopt;
  c.reported = steady;
  return steady;
}

}  // namespace hermes::scheduler
