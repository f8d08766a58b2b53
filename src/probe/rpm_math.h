// Responsiveness arithmetic of draft-ietf-ippm-responsiveness ("Aggregating the
// Measurements"), free of I/O so that it is tested with fixed samples.
//
//   TM(x)    single-sided trimmed mean: the largest (1 - TMP) share of the samples
//            (rounded down) is dropped, the rest averaged; TMP = 95 %
//   foreign  60 / ((TM(tcp_f) + TM(tls_f) + TM(http_f)) / 3)     with TLS
//            60 / ((TM(tcp_f) + TM(http_f)) / 2)                  without TLS
//   loaded   60 / TM(http_l)
//   total    (foreign + loaded) / 2                       [round trips per minute]
//
// tls_f is the TLS handshake time divided by its round trips (TLS 1.3: 1, 1.2: 2).
// Times are seconds.
#pragma once

#include <optional>
#include <vector>

#include "config/responsiveness_config.h"
#include "probe/probe.h"

namespace hermes::probe {

std::optional<double> TrimmedMean(std::vector<double> samples,
                                  double keep = config::kRpmTrimmedMeanFraction);

// The probes of one window; tls stays empty without TLS.
struct RpmSamples {
  std::vector<double> tcp, tls, http;  // foreign probes
  std::vector<double> self;            // self probes (http_l)
  void Append(const RpmSamples& other);
};

// RPMs and trimmed-mean components of `s`; a component (and the RPMs that need
// it) stays unset when it has no samples. Confidence is left unset.
ResponsivenessResult ComputeResponsiveness(const RpmSamples& s);

}  // namespace hermes::probe
