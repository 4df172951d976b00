// The memory's chunk-end update as one op (spec mixers.md §6.2): per row r,
//   out_r = a_r X_r + b_r Y_r − P_rᵀ diag(c_r) G_r
// for W ← β_b W⁰ + c^S_b S⁰ − Kᵀ diag(C[b, :]) Gh and S ← E_b S⁰ − Kᵀ diag(w) Gh. Composed from generic ops this
// was five passes over the (d × h) state forward and a dozen backward, the bulk of a chunk's element-wise
// time; here it is one pass plus one GEMM per row forward, two passes plus two batched GEMMs backward.
// X, Y (N, m, n); a, b (N) (undefined a: 1; undefined Y and b: no second term); P (N, T, m), c (N, T), G (N, T, n).
#pragma once
#include "autograd/variable.h"

namespace sf {

Variable memory_state_update(const Variable& x, const Variable& a, const Variable& y, const Variable& b,
                             const Variable& p, const Variable& c, const Variable& g);

}  // namespace sf
