// The AdamW update of one element (optim/adamw.h), shared by the CPU loop (optim/adamw.cpp) and the CUDA
// kernel (optim/cuda/adamw.cu), so the CPU tests check the arithmetic the GPU runs. Both build without FMA
// contraction and with IEEE sqrt and division, so the two give the same bits for the same inputs.
#pragma once
#include "core/elementwise_math.h"  // SF_HD

namespace sf::math {

// The step's scalars, rounded to the element type once (as PyTorch does).
template <class T>
struct AdamWCoeffs {
  T decay;     // 1 − ηλ
  T neg_step;  // −η / (1 − β1ᵗ)
  T b1, c1;    // β1, 1 − β1
  T b2, c2;    // β2, 1 − β2
  T bc2;       // sqrt(1 − β2ᵗ)
  T eps;
};

template <class T>
SF_HD AdamWCoeffs<T> adamw_coeffs(double decay, double step_size, double beta1, double beta2, double eps,
                                  double bias_correction2_sqrt) {
  return {static_cast<T>(decay),     static_cast<T>(-step_size), static_cast<T>(beta1),
          static_cast<T>(1 - beta1), static_cast<T>(beta2),      static_cast<T>(1 - beta2),
          static_cast<T>(bias_correction2_sqrt), static_cast<T>(eps)};
}

// sqrt: the float overload on the host (elementwise_math.h), the device one in CUDA code.
// In PyTorch's evaluation order: m, v, then θ·decay − step·m / (sqrt(v) / bc2 + ε).
template <class T>
SF_HD void adamw_element(T& p, T g, T& m, T& v, const AdamWCoeffs<T>& c) {
  const T mk = m * c.b1 + c.c1 * g;
  const T vk = v * c.b2 + c.c2 * g * g;
  const T denom = sqrt(vk) / c.bc2 + c.eps;
  m = mk;
  v = vk;
  p = p * c.decay + c.neg_step * mk / denom;
}

}  // namespace sf::math
