// SHA-256 (FIPS 180-4), for fingerprints that must not collide by accident or on purpose: an adapter
// checkpoint names the base model it was trained on by the SHA-256 of its parameters.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sf {

// Incremental: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // The 64 lowercase hex digits of the digest; the object may not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

// SHA-256 of `s` as 64 hex digits.
std::string sha256_hex(std::string_view s);

}  // namespace sf
