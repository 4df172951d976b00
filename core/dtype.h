// Element types. bfloat16 is a storage type: convert to float32 to compute.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace sf {

enum class DType : uint8_t { f32, f64, bf16, i32, i64 };

// The bfloat16 bits of the float32 with bits u: the upper 16, rounded to nearest even; a NaN stays a
// quiet NaN. Branch-free, so conversion loops vectorise.
constexpr uint16_t bf16_bits(uint32_t u) {
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const uint32_t quiet_nan = (u >> 16) | 0x40u;
  return static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}

// bfloat16: the upper 16 bits of an IEEE float32, rounded to nearest even.
struct bf16 {
  uint16_t bits = 0;
  bf16() = default;
  explicit bf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    bits = bf16_bits(u);
  }
  explicit operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
};

size_t dtype_size(DType t);
const char* dtype_name(DType t);
DType dtype_from_name(const std::string& name);  // "float32", "f32", ...
inline bool is_floating(DType t) { return t == DType::f32 || t == DType::f64 || t == DType::bf16; }

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<bf16>() { return DType::bf16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }

}  // namespace sf

// Runs BODY with `scalar_t` bound to the C++ type of a floating compute dtype (f32, f64).
#define SF_DISPATCH_FLOAT(DT, NAME, ...)                                            \
  [&] {                                                                             \
    switch (DT) {                                                                   \
      case ::sf::DType::f32: { using scalar_t = float; return __VA_ARGS__(); }      \
      case ::sf::DType::f64: { using scalar_t = double; return __VA_ARGS__(); }     \
      default: throw ::sf::Error(::sf::detail::cat(NAME, ": unsupported dtype ",    \
                                                   ::sf::dtype_name(DT)));          \
    }                                                                               \
  }()

// The same over every dtype that arithmetic supports (f32, f64, i32, i64).
#define SF_DISPATCH_ARITH(DT, NAME, ...)                                            \
  [&] {                                                                             \
    switch (DT) {                                                                   \
      case ::sf::DType::f32: { using scalar_t = float; return __VA_ARGS__(); }      \
      case ::sf::DType::f64: { using scalar_t = double; return __VA_ARGS__(); }     \
      case ::sf::DType::i32: { using scalar_t = int32_t; return __VA_ARGS__(); }    \
      case ::sf::DType::i64: { using scalar_t = int64_t; return __VA_ARGS__(); }    \
      default: throw ::sf::Error(::sf::detail::cat(NAME, ": unsupported dtype ",    \
                                                   ::sf::dtype_name(DT)));          \
    }                                                                               \
  }()
