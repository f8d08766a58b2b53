#include "common/failure_reason.h"

namespace hermes {

std::string_view FailureReasonName(FailureReason r) {
  switch (r) {
    case FailureReason::kDns:
      return "dns";
    case FailureReason::kConnect:
      return "connect";
    case FailureReason::kTls:
      return "tls";
    case FailureReason::kTimeout:
      return "timeout";
    case FailureReason::kHttpStatus:
      return "http_status";
    case FailureReason::kRateLimited:
      return "rate_limited";
    case FailureReason::kNetwork:
      return "network";
    case FailureReason::kProtocol:
      return "protocol";
    case FailureReason::kUnknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace hermes
