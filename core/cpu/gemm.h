// CPU matrix products through one single-threaded GEMM kernel, OpenBLAS when it loads, else Eigen
// (core/cpu/openblas.h; shapes are checked by core/ops_linalg.cpp).
//
// Operands are read in place: a 2-D slice whose last stride is 1 is a row-major matrix, one whose first
// stride is 1 a column-major matrix (so transposes and narrowed views cost nothing); anything else is
// made contiguous once. Threading is ours, not Eigen's: the output is cut into panels (or, for small
// outputs with a long inner dim, the inner dim into chunks summed in a fixed order) whose sizes depend
// only on the shapes, and each panel is one single-threaded GEMM call. So results are bit-identical for
// any thread count; Eigen's or OpenBLAS's own threading would change the blocking with the thread count.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

// op(a) @ op(b) with broadcast batch dims; out: batch + (M, N).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
// out = beta * out + alpha * op(a) @ op(b); 2-D, out contiguous.
void gemm_(Tensor& out, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha, double beta);

}  // namespace sf::cpu
