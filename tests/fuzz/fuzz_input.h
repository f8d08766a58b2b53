// FuzzInput: reads typed values from a fuzz input, front to back. When the input
// runs out every read returns zero/empty, so any byte string is a valid program.
// (A small stand-in for libFuzzer's FuzzedDataProvider, which gcc builds lack.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace hermes::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), left_(size) {}

  bool empty() const { return left_ == 0; }
  size_t remaining() const { return left_; }

  uint8_t Byte() {
    if (left_ == 0) return 0;
    --left_;
    return *p_++;
  }
  bool Bool() { return (Byte() & 1) != 0; }

  template <class T>
  T Raw() {
    T v{};
    const size_t n = left_ < sizeof(T) ? left_ : sizeof(T);
    std::memcpy(&v, p_, n);
    p_ += n;
    left_ -= n;
    return v;
  }

  // A length byte, then that many bytes (at most max_len).
  std::string String(size_t max_len = 255) {
    size_t n = Byte();
    if (n > max_len) n = max_len;
    if (n > left_) n = left_;
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    left_ -= n;
    return s;
  }

  // Everything that is left.
  std::string Rest() {
    std::string s(reinterpret_cast<const char*>(p_), left_);
    p_ += left_;
    left_ = 0;
    return s;
  }

 private:
  const uint8_t* p_;
  size_t left_;
};

}  // namespace hermes::fuzz
