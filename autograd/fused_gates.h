// Two paths weighed by sigmoid gates and summed, σ(g[..., :n]) ⊙ a + σ(g[..., n:]) ⊙ b, as one autograd op
// with a hand-written backward (kernels: core/cpu/vec_math.h): GAM's fusion of its local and global paths
// (Acharya 2025; spec mixers.md §5.1). One vectorised pass each way instead of two strided narrows, two
// sigmoids, two products and a sum. The composite stays its oracle in tests.
#pragma once
#include "autograd/function.h"

namespace sf {

// g (..., 2n), a and b (..., n) of one shape -> (..., n).
Variable gated_pair(const Variable& g, const Variable& a, const Variable& b);

}  // namespace sf
