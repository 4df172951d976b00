// The positional encodings that are fixed tables or score biases: sinusoidal (Vaswani et al. 2017),
// RoPE (Su et al. 2021, RoFormer) and ALiBi (Press et al. 2022). The learned table (APE) is an
// Embedding in the SequenceModel.
#pragma once
#include <vector>

#include "autograd/variable.h"

namespace sf {

// Sinusoidal table (length, dim): PE[t, 2i] = sin(t / 10000^(2i/dim)), PE[t, 2i+1] = cos(same).
Tensor sinusoidal_table(int64_t length, int64_t dim, DType dtype);

// RoPE angles t·ω_i, ω_i = base^(−2i/head_dim), i < head_dim/2, for t = start .. start + length − 1, as
// cos and sin tables (length, head_dim/2). head_dim must be even.
struct RopeTables {
  Tensor cos;
  Tensor sin;
};
RopeTables rope_tables(int64_t length, int64_t head_dim, double base, DType dtype, int64_t start = 0);

// Rotates x (..., L, head_dim) by position with the half-split pairing (GPT-NeoX / LLaMA-HF):
// x = [x1, x2] -> [x1 cos − x2 sin, x1 sin + x2 cos]. Uses the tables' first L rows.
Variable apply_rope(const Variable& x, const RopeTables& tables);

// ALiBi slopes m_1..m_H: 2^(−8h/H) for H a power of two; otherwise those of the largest power of
// two P < H, then every other slope of the 2P sequence until there are H (Press et al.).
std::vector<double> alibi_slopes(int64_t n_head);

// ALiBi score bias (H, L, L): −m_h (i − j) for j ≤ i, 0 above the diagonal (masked anyway).
Tensor alibi_bias(int64_t n_head, int64_t length, DType dtype);
// The same bias for one query against keys at the given distances i − j (a KV cache's rows): (H, 1, n).
Tensor alibi_bias(int64_t n_head, const std::vector<int64_t>& distances, DType dtype);

}  // namespace sf
