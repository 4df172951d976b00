// Causal flash attention on the CPU (Dao et al., FlashAttention 2022 and FlashAttention-2 2023):
// softmax(s · Q K^T + bias, masked) V in tiles of kFlashTile query × kFlashTile key rows with an online
// softmax, so that no (L, L) matrix exists. The mask is causal, optionally with a sliding window and a
// prefix (core/attention_mask.h); key tiles it hides wholly (above the diagonal, or slid out of the window)
// are skipped, so a window w costs O(L·(w + prefix)). Backward recomputes each score tile from the saved log-sum-exp.
//
// q, k, v, dout: (B, H, L, d_h), any strides whose last is 1 (others are copied once). bias: undefined or
// broadcastable to (B, H, L, L) (ALiBi's (H, L, L)); it gets no gradient. s = 1/√d_h.
// Work is split over (batch, head, query tile) in forward and over (batch, head) in backward, each task
// owning what it writes, so results are bit-identical for any thread count.
#pragma once
#include <cstddef>

#include "core/attention_mask.h"
#include "core/tensor.h"

namespace sf::cpu {

constexpr int64_t kFlashTile = 64;

struct FlashForward {
  Tensor out;  // (B, H, L, d_h): a view of a (B, L, H, d_h) buffer, so merging the heads is free
  Tensor lse;  // (B, H, L): log Σ_j exp(score_ij), all backward needs besides out
};
FlashForward flash_attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias,
                                     const AttentionMask& mask = {});

struct FlashGrads {
  Tensor dq, dk, dv;  // (B, H, L, d_h), views of (B, L, H, d_h) buffers like `out`
};
FlashGrads flash_attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& bias, const Tensor& out, const Tensor& lse,
                                    const AttentionMask& mask = {});

// Bytes each task chunk takes from the allocator while it runs (score, probability and accumulator tiles);
// independent of L. At most one chunk per thread runs at a time.
size_t flash_attention_scratch_bytes(int64_t head_dim, DType dtype);
// Most bytes forward + backward hold at once besides their inputs (size-class rounding aside): out and lse
// (kept for backward), dq, dk, dv, the row sums D = Σ dO ⊙ O, and one scratch block per thread. O(B·H·L·d_h):
// linear in L, where the composite holds (B, H, L, L) scores and probabilities.
size_t flash_attention_peak_bytes(int64_t batch, int64_t heads, int64_t length, int64_t head_dim, DType dtype,
                                  int threads);

}  // namespace sf::cpu
