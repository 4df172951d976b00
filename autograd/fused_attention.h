// Causal flash attention as one autograd op with a hand-written backward (kernels: core/cpu/attention.h).
// Same math as the composite softmax(Q K^T / √d_h + bias, causal) V, which stays the oracle in tests.
#pragma once
#include "autograd/function.h"

namespace sf {

// q, k, v (B, H, L, d_h); bias undefined or broadcastable to (B, H, L, L), no gradient. Saves out and the
// log-sum-exp (O(B·H·L·d_h)), never the (L, L) probabilities.
Variable flash_attention(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor());

}  // namespace sf
