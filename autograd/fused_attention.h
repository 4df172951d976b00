// Causal flash attention as one autograd op with a hand-written backward (kernels: core/cpu/attention.h).
// Same math as the composite softmax(Q K^T / √d_h + bias, masked) V, which stays the oracle in tests; the
// mask is causal, optionally windowed with a prefix (core/attention_mask.h).
#pragma once
#include "autograd/function.h"
#include "core/attention_mask.h"

namespace sf {

// q, k, v (B, H, L, d_h); bias undefined or broadcastable to (B, H, L, L), no gradient. Saves out and the
// log-sum-exp (O(B·H·L·d_h)), never the (L, L) probabilities.
Variable flash_attention(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor(),
                         const AttentionMask& mask = {});

}  // namespace sf
