// Status and Result<T>: the only error channel between hermes modules.
//
// A Status is either OK or carries a code and a human-readable message that says
// what failed, where (key path, probe name, file) and, where possible, what to do.
// Result<T> holds either a value or a non-OK Status. Both are cheap to move and
// are [[nodiscard]] so errors cannot be dropped silently. No exception crosses a
// module boundary: adapters around throwing libraries convert to Status.
#pragma once

#include <cassert>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace hermes {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad config, flag or request
  kNotFound,
  kAlreadyExists,
  kUnavailable,  // environment: cannot bind, cannot open a file
  kDeadlineExceeded,
  kPermissionDenied,
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<prefix>: <message>".
  Status WithContext(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) std::abort();  // a Result without a value must carry an error
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    if (!ok()) std::abort();
    return *value_;
  }
  const T& value() const& {
    if (!ok()) std::abort();
    return *value_;
  }
  T&& value() && {
    if (!ok()) std::abort();
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace hermes

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define HERMES_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::hermes::Status _hermes_st = (expr);    \
    if (!_hermes_st.ok()) return _hermes_st; \
  } while (0)
