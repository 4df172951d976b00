// Host fills from the counter-based streams of core/philox.h.
//
// Each fill writes elements [e0, e0+n) of a stream into out[0..n): out[i] is element e0+i of the
// global flat tensor, so a shard owning [e0, e1) gets exactly the numbers of the full tensor,
// for any e0 (also mid-counter) and any thread count. All functions throw sf::Error on n < 0 or
// e0 < 0, and on a parameter outside its domain.
#pragma once
#include <cstdint>

#include "core/philox.h"  // RngStream, RngTag, rng_word, the per-element distributions

namespace sf {

// Uniform on (lo, hi), computed as mid + half·usym (mid = (lo+hi)/2, half = (hi−lo)/2): this is
// lo + (hi−lo)·u01 in exact arithmetic, and it gives exactly u01 for (0,1) and exactly a·usym for (−a,a).
// 23 random bits, so the float and double fills hold the same values.
void rng_uniform(float* out, int64_t n, RngStream s, int64_t e0 = 0, float lo = 0.f, float hi = 1.f);
void rng_uniform(double* out, int64_t n, RngStream s, int64_t e0 = 0, double lo = 0.0, double hi = 1.0);

// Gaussian mean + std·z (Box–Muller in float64, rounded once to the output type); std ≥ 0.
void rng_normal(float* out, int64_t n, RngStream s, int64_t e0 = 0, double mean = 0.0, double std = 1.0);
void rng_normal(double* out, int64_t n, RngStream s, int64_t e0 = 0, double mean = 0.0, double std = 1.0);

// 1 with probability p (u01 < p), else 0; p ∈ [0, 1].
void rng_bernoulli(float* out, int64_t n, RngStream s, double p, int64_t e0 = 0);
void rng_bernoulli(double* out, int64_t n, RngStream s, double p, int64_t e0 = 0);

}  // namespace sf
