// The causal attention core: softmax(Q K^T / √d_h + bias, causal) V for q, k, v (B, H, L, d_h).
// `bias` is undefined or broadcasts to (B, H, L, L) (ALiBi: (H, L, L)); it gets no gradient. `window` > 0
// lets each query see only the `window` newest keys, itself included (sliding-window attention); 0 = all.
// On the CPU this is the fused flash kernel (autograd/fused_attention.h, core/cpu/attention.h, O(L) memory)
// unless the window binds (window < L): the kernel has no band, so that case takes the composite. Only
// generation past model.block_size gets there (causal_self_attention.h), never training.
// attention_core_reference is the naive composite (materialises the (B, H, L, L) scores), its oracle in tests.
#pragma once
#include "autograd/variable.h"

namespace sf {

Variable attention_core(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor(),
                        int64_t window = 0);
Variable attention_core_reference(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor(),
                                  int64_t window = 0);

// One query against a KV cache, without grad: q (B, H, 1, d_h), k and v (B, H, n, d_h) -> (B, H, 1, d_h).
// Every cached key is visible (the cache holds only those the query may see) and their order does not
// matter (a ring buffer's is fine); bias undefined or broadcasting to (B, H, 1, n). O(n·d_h) per head.
Tensor attention_step(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias = Tensor());

}  // namespace sf
