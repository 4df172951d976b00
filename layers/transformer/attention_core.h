// The causal attention core: softmax(Q K^T / √d_h + bias, masked) V for q, k, v (B, H, L, d_h).
// `bias` is undefined or broadcasts to (B, H, L, L) (ALiBi: (H, L, L)); it gets no gradient. `mask` is
// causal, optionally a sliding window (each query sees its `window` newest keys, itself included) whose
// first `prefix` keys stay visible to every later query (core/attention_mask.h); {} = full causal.
// On the CPU this is the fused flash kernel (autograd/fused_attention.h, core/cpu/attention.h): O(L)
// memory, and O(L·(window + prefix)) time under a window. attention_core_reference is the naive composite
// (materialises the (B, H, L, L) scores), its oracle in tests.
#pragma once
#include "autograd/variable.h"
#include "core/attention_mask.h"

namespace sf {

Variable attention_core(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias = Tensor(),
                        const AttentionMask& mask = {});
Variable attention_core_reference(const Variable& q, const Variable& k, const Variable& v,
                                  const Tensor& bias = Tensor(), const AttentionMask& mask = {});

// One query against a KV cache, without grad: q (B, H, 1, d_h), k and v (B, H, n, d_h) -> (B, H, 1, d_h).
// Every cached key is visible (the cache holds only those the query may see) and their order does not
// matter (a ring buffer's is fine); bias undefined or broadcasting to (B, H, 1, n). O(n·d_h) per head.
Tensor attention_step(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias = Tensor());

}  // namespace sf
