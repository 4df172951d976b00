// Linear recurrences x_l = A_l x_{l-1} + b_l (l = 0..L-1, x_{-1} = 0) with diagonal or 2×2-block-
// diagonal transitions: the linear system of one ParaRNN Newton step and of its adjoint
// (Danieli et al. 2025, arXiv 2510.21450).
//
// Diagonal: A and b are (B, L, d). 2×2 blocks: A is (B, L, 4, d) holding [a00, a01, a10, a11] of
// each unit's block, b is (B, L, 2, d). Both contiguous, float32 or float64, solved in place of b.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace sf {

// Chunked two-level scan (the work-efficient CPU form of the parallel prefix reduction over the
// associative combine (A2, b2)∘(A1, b1) = (A2 A1, A2 b1 + b2)): each chunk of `chunk` steps is
// reduced from a zero state in parallel over (batch, chunk), the chunk carries are combined in
// order, then each chunk adds its carry propagated through its own transitions. O(B L d) work,
// about twice the sequential loop; the result does not depend on the thread count.
void linear_scan_(const Tensor& A, Tensor& b, int64_t chunk);

// Forward substitution one step at a time: the reference of linear_scan_.
void linear_scan_sequential_(const Tensor& A, Tensor& b);

}  // namespace sf
