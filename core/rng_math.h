// Portable float64 ln and sincos(2πu) for the Box–Muller Gaussian streams of core/philox.h.
//
// The library log/sin/cos differ in their last bits between glibc and CUDA, which would make a
// regenerated MeZO/NOLA tensor differ between CPU and GPU. These routines use only IEEE
// + − × ÷ sqrt (exact range reduction + fixed polynomials), so every device computes the same
// bits provided no multiply-add is fused: on CUDA the ops below are the explicit
// round-to-nearest intrinsics (never contracted, whatever --fmad says); host translation units
// that evaluate them must be compiled with -ffp-contract=off (the project's ISO C++ mode
// already defaults to it; core/CMakeLists.txt also sets it on core/rng.cpp).
// Accuracy: a few ulp of float64, far below the one rounding to fp32 the RNG applies.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/elementwise_math.h"  // SF_HD

namespace sf::pmath {

// Round-to-nearest IEEE operations that are never fused into an FMA.
SF_HD double add(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
SF_HD double sub(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
SF_HD double mul(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
SF_HD double div(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
SF_HD double sqrt(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);  // IEEE requires sqrt to be correctly rounded
#endif
}

// c0 + z·(c1 + z·(c2 + …)), evaluated in this fixed order.
SF_HD double horner(double, double c) { return c; }
template <class... C>
SF_HD double horner(double z, double c0, C... cs) {
  return add(c0, mul(z, horner(z, cs...)));
}

// Natural log of a positive normal double (the RNG passes v ∈ [2^-33, 1)).
SF_HD double ln(double v) {
  // v = m·2^k with m ∈ [√½, √2): split off the exponent from the bits (exact).
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  int k = int(bits >> 52) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 0x1.6a09e667f3bcdp+0) {  // √2
    m = mul(m, 0.5);
    k += 1;
  }
  // ln m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.1716: 2s·(1 + s²/3 + s⁴/5 + … + s¹⁸/19);
  // the first omitted term is below 2^-53 relative.
  const double s = div(sub(m, 1.0), add(m, 1.0));
  const double z = mul(s, s);
  const double tail = mul(mul(s, z),
                          horner(z, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15,
                                 1.0 / 17, 1.0 / 19));
  const double ln_m = mul(add(s, tail), 2.0);
  // k·ln2 with ln2 split so that k·ln2_hi is exact (ln2_hi has 42 significant bits).
  const double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
  const double kd = double(k);
  return add(mul(kd, ln2_hi), add(mul(kd, ln2_lo), ln_m));
}

// sin(2πu) and cos(2πu) for u ∈ [0, 1].
SF_HD void sincos_2pi(double u, double* sin_out, double* cos_out) {
  // Nearest quarter turn q, remainder r = u − q/4 ∈ [−1/8, 1/8] (exact: Sterbenz).
  const int q = int(add(mul(u, 4.0), 0.5));
  const double r = sub(u, mul(double(q), 0.25));
  const double z = mul(r, r);
  // Taylor series of sin(2πr), cos(2πr) in r, coefficients ±(2π)^n/n! rounded to double;
  // |2πr| ≤ π/4, so the first omitted terms are below 2^-53 relative.
  const double s = mul(r, horner(z, 0x1.921fb54442d18p+2, -0x1.4abbce625be53p+5, 0x1.466bc6775aae2p+6,
                                 -0x1.32d2cce62bd86p+6, 0x1.50783487ee782p+5, -0x1.e3074fde8871fp+3,
                                 0x1.e8f434d018d63p+1, -0x1.6fadb9f155744p-1, 0x1.aaec32af93359p-4));
  const double c = horner(z, 1.0, -0x1.3bd3cc9be45dep+4, 0x1.03c1f081b5ac4p+6, -0x1.55d3c7e3cbffap+6,
                          0x1.e1f506891babbp+5, -0x1.a6d1f2a204a8cp+4, 0x1.f9d38a3763cc3p+2,
                          -0x1.b6e24f44b128fp+0, 0x1.20c62c2f2d7f5p-2);
  // Rotate back by q quarter turns.
  switch (q & 3) {
    case 0: *sin_out = s;  *cos_out = c;  break;
    case 1: *sin_out = c;  *cos_out = -s; break;
    case 2: *sin_out = -s; *cos_out = -c; break;
    default: *sin_out = -c; *cos_out = s; break;
  }
}

}  // namespace sf::pmath
