// The causal attention core: softmax(Q K^T / √d_h + bias, causal) V for q, k, v (B, H, L, d_h).
// `bias` is undefined or broadcasts to (B, H, L, L) (ALiBi: (H, L, L)); it gets no gradient.
// Naive composite for now (materialises the (B, H, L, L) scores): this function is the single
// place a fused flash kernel replaces it (spec/mixers.md §1.3), keeping the composite as its oracle.
#pragma once
#include "autograd/variable.h"

namespace sf {

Variable attention_core(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor());

}  // namespace sf
