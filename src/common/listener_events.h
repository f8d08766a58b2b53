// Closed vocabularies of what the listener reports to its ServerObserver.
//
// A leaf header: the server reports enums, not strings, and metrics spells them as
// label values in one table (metrics/labels.h), where a new value does not compile
// until it has a label. Neither module depends on the other. Pure values; thread-safe.
#pragma once

#include <array>

namespace hermes {

// Why a request failed authentication.
enum class AuthFailure { kMissing, kMalformed, kInvalid };
inline constexpr std::array<AuthFailure, 3> kAllAuthFailures = {
    AuthFailure::kMissing, AuthFailure::kMalformed, AuthFailure::kInvalid};

// Why a connection was refused or dropped before its first request.
enum class ConnectionRejectReason { kMaxConnections, kMaxConnectionsPerIp, kTlsHandshake };
inline constexpr std::array<ConnectionRejectReason, 3> kAllConnectionRejectReasons = {
    ConnectionRejectReason::kMaxConnections, ConnectionRejectReason::kMaxConnectionsPerIp,
    ConnectionRejectReason::kTlsHandshake};

}  // namespace hermes
