// Random test inputs from the counter-based RNG (reproducible on any thread count).
#pragma once
#include "core/ops.h"
#include "core/rng.h"

namespace sf::test {

inline Tensor randn(const Shape& shape, uint64_t seed, DType dtype = DType::f64) {
  Tensor t = empty(shape, DType::f64);
  rng_normal(t.data<double>(), t.numel(), RngStream{seed, 0, 0x54455354 /*'TEST'*/});
  return t.to(dtype);
}

// Values in [0.5, 2.5): safe for log, sqrt, reciprocal, pow.
inline Tensor randpos(const Shape& shape, uint64_t seed) {
  Tensor t = empty(shape, DType::f64);
  rng_uniform(t.data<double>(), t.numel(), RngStream{seed, 1, 0x54455354}, 0, 0.5, 2.5);
  return t;
}

}  // namespace sf::test
