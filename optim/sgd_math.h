// The SGD update of one element (optim/sgd.h), shared by the CPU loop (optim/sgd.cpp) and the CUDA kernel
// (optim/cuda/sgd.cu); both build without FMA contraction, so the two give the same bits.
#pragma once
#include "core/elementwise_math.h"  // SF_HD

namespace sf::math {

// The step's scalars, rounded to the element type once (as PyTorch does).
template <class T>
struct SgdCoeffs {
  T weight_decay, momentum, neg_lr;
  bool decay, nesterov;
};

template <class T>
SF_HD SgdCoeffs<T> sgd_coeffs(double weight_decay, double momentum, double lr, bool nesterov) {
  return {static_cast<T>(weight_decay), static_cast<T>(momentum), static_cast<T>(-lr), weight_decay != 0, nesterov};
}

// PyTorch's order: d = g + λθ; with a momentum buffer b ← μb + d, d = Nesterov ? d + μb : b; θ ← θ − η·d.
// `buf` is this element's momentum, or null without momentum.
template <class T>
SF_HD void sgd_element(T& p, T g, T* buf, const SgdCoeffs<T>& c) {
  T d = c.decay ? g + c.weight_decay * p : g;
  if (buf) {
    const T bk = *buf * c.momentum + d;
    *buf = bk;
    d = c.nesterov ? d + c.momentum * bk : bk;
  }
  p = p + c.neg_lr * d;
}

}  // namespace sf::math
