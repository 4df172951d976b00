// The causal attention core: softmax(Q K^T / √d_h + bias, causal) V for q, k, v (B, H, L, d_h).
// `bias` is undefined or broadcasts to (B, H, L, L) (ALiBi: (H, L, L)); it gets no gradient.
// On the CPU this is the fused flash kernel (autograd/fused_attention.h, core/cpu/attention.h, O(L) memory);
// attention_core_reference is the naive composite (materialises the (B, H, L, L) scores), its oracle in tests.
#pragma once
#include "autograd/variable.h"

namespace sf {

Variable attention_core(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor());
Variable attention_core_reference(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor());

}  // namespace sf
