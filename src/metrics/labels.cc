#include "metrics/labels.h"

namespace hermes::metrics {
namespace {

// Each table is indexed by its enum: the kAll* arrays list the values in order.
template <typename Array>
constexpr bool InEnumOrder(const Array& all) {
  for (size_t i = 0; i < all.size(); ++i) {
    if (static_cast<size_t>(all[i]) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(kAllSkipReasons));
static_assert(InEnumOrder(kAllAuthFailures));
static_assert(InEnumOrder(kAllConnectionRejectReasons));

constexpr std::array<std::string_view, 4> kSkipReasonLabels = {"overrun", "bandwidth_busy",
                                                               "retry_after", "budget"};
static_assert(kSkipReasonLabels.size() == kAllSkipReasons.size());

constexpr std::array<std::string_view, 3> kAuthFailureLabels = {"missing", "malformed", "invalid"};
static_assert(kAuthFailureLabels.size() == kAllAuthFailures.size());

constexpr std::array<std::string_view, 3> kRejectLabels = {
    "max_connections", "max_connections_per_ip", "tls_handshake"};
static_assert(kRejectLabels.size() == kAllConnectionRejectReasons.size());

}  // namespace

std::string_view Label(SkipReason r) { return kSkipReasonLabels.at(static_cast<size_t>(r)); }

std::string_view Label(AuthFailure f) { return kAuthFailureLabels.at(static_cast<size_t>(f)); }

std::string_view Label(ConnectionRejectReason r) {
  return kRejectLabels.at(static_cast<size_t>(r));
}

std::optional<size_t> CodeClass(int status) {
  switch (status / 100) {
    case 2:
      return 0;
    case 4:
      return 1;
    case 5:
      return 2;
    default:
      return std::nullopt;
  }
}

}  // namespace hermes::metrics
