// exp for the scan's inner loops, written so that the compiler vectorises it (std::exp is a libm
// call per element): 2^k · p(r) with x = k ln2 + r, |r| ≤ ln2/2, and a Taylor polynomial of
// degree 7 (float, rel. error < 2e-7) or 13 (double, < 1e-16). Inputs are clamped to the normal
// range, so results below ~1e-38 (float) / 1e-307 (double) are not flushed to 0.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace sf {

template <class T>
inline T scan_exp(T x) {
  constexpr bool f32 = sizeof(T) == 4;
  using I = std::conditional_t<f32, int32_t, int64_t>;
  constexpr T lo = f32 ? T(-87.0) : T(-707.0), hi = f32 ? T(88.0) : T(709.0);
  constexpr T log2e = T(1.4426950408889634), ln2_hi = T(0.693145751953125), ln2_lo = T(1.4286068203094173e-06);
  constexpr int degree = f32 ? 7 : 13;
  x = std::min(std::max(x, lo), hi);
  const T k = std::floor(x * log2e + T(0.5));
  const T r = (x - k * ln2_hi) - k * ln2_lo;
  T p = T(1);
  for (int i = degree; i >= 1; --i) p = T(1) + p * r * (T(1) / T(i));  // Horner form of Σ r^i / i!
  const I bits = (static_cast<I>(k) + (f32 ? 127 : 1023)) << (f32 ? 23 : 52);
  return p * std::bit_cast<T>(bits);
}

}  // namespace sf
