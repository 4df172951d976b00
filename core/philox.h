// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel Random Numbers: As Easy as
// 1, 2, 3", SC 2011) and the distributions built on it, as pure __host__ __device__ functions.
// Every random value is a function of (seed, idx, tag, element index) only, so CPU and CUDA, any
// thread count, tiling or shard produce the same numbers. Host fill functions are in core/rng.h.
#pragma once
#include <cstdint>

#include "core/elementwise_math.h"  // SF_HD
#include "core/rng_math.h"

namespace sf {

// Stream tags: the ASCII of the consumer's name, big-endian.
enum RngTag : uint32_t {
  kTagMezo = 0x4D455A4F,  // 'MEZO' perturbation directions
  kTagNola = 0x4E4F4C41,  // 'NOLA' random bases
  kTagLora = 0x4C4F5241,  // 'LORA' adapter init
  kTagDrop = 0x44524F50,  // 'DROP' dropout masks
  kTagInit = 0x494E4954,  // 'INIT' parameter init
  kTagData = 0x44415441,  // 'DATA' sampler
};

// One random tensor's address. Flat element e reads word e mod 4 of Philox counter
// (lo32(e/4), hi32(e/4), idx, tag) under key (lo32(seed), hi32(seed)).
struct RngStream {
  uint64_t seed;
  uint32_t idx;
  uint32_t tag;
};

struct PhiloxWords {
  uint32_t w[4];
};

// Philox4x32-10 block function: 10 rounds, key bumped before rounds 2..10.
SF_HD PhiloxWords philox4x32_10(PhiloxWords c, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const uint64_t p0 = uint64_t{0xD2511F53u} * c.w[0];
    const uint64_t p1 = uint64_t{0xCD9E8D57u} * c.w[2];
    const uint32_t h0 = uint32_t(p0 >> 32), l0 = uint32_t(p0);
    const uint32_t h1 = uint32_t(p1 >> 32), l1 = uint32_t(p1);
    c = PhiloxWords{{h1 ^ c.w[1] ^ k0, l1, h0 ^ c.w[3] ^ k1, l0}};
  }
  return c;
}

// The four words of counter q: elements 4q .. 4q+3 of the stream.
SF_HD PhiloxWords rng_block(RngStream s, uint64_t q) {
  return philox4x32_10(PhiloxWords{{uint32_t(q), uint32_t(q >> 32), s.idx, s.tag}}, uint32_t(s.seed),
                       uint32_t(s.seed >> 32));
}

// The raw 32-bit word of element e ≥ 0 (samplers use it directly).
SF_HD uint32_t rng_word(RngStream s, int64_t e) { return rng_block(s, uint64_t(e) >> 2).w[e & 3]; }

// Uniform on (0,1) from the top 23 bits: ((x≫9) + ½)·2^-23, exact in fp32.
SF_HD float u01(uint32_t x) { return (float(x >> 9) + 0.5f) * 0x1p-23f; }
// Uniform on (−1,1): 2·u01 − 1, exact in fp32.
SF_HD float usym(uint32_t x) { return u01(x) * 2.0f - 1.0f; }
// The full 32-bit uniform (x + ½)·2^-32 ∈ (0,1), exact in float64 (Box–Muller input).
SF_HD double w32(uint32_t x) { return (double(x) + 0.5) * 0x1p-32; }

// Box–Muller: words (xa, xb) → (ρ·cos θ, ρ·sin θ), ρ = √(−2 ln w(xa)), θ = 2π·w(xb); |z| < 6.77.
// Elements 4q, 4q+1 come from words (0,1) of counter q and 4q+2, 4q+3 from words (2,3).
SF_HD void normal_pair(uint32_t xa, uint32_t xb, double* z_cos, double* z_sin) {
  const double rho = pmath::sqrt(pmath::mul(-2.0, pmath::ln(w32(xa))));
  double s, c;
  pmath::sincos_2pi(w32(xb), &s, &c);
  *z_cos = pmath::mul(rho, c);
  *z_sin = pmath::mul(rho, s);
}

}  // namespace sf
