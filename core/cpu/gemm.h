// CPU matrix products through one single-threaded GEMM kernel, oneDNN or OpenBLAS when they load, else Eigen
// (core/cpu/blas.h; shapes are checked by core/ops_linalg.cpp).
//
// Operands are read in place: a 2-D slice whose last stride is 1 is a row-major matrix, one whose first
// stride is 1 a column-major matrix (so transposes and narrowed views cost nothing); anything else is
// made contiguous once. Threading is ours, not the library's: the output is cut into panels (or, for small
// outputs with a long inner dim, the inner dim into chunks summed in a fixed order) whose sizes depend
// only on the shapes, and each panel is one single-threaded GEMM call. So results are bit-identical for
// any thread count; a library's own threading would change the blocking with the thread count.
//
// At MatmulPrecision::bf16 (core/ops.h) float32 operands are first rounded, in parallel, into bfloat16
// copies with the same strides (oneDNN's bf16 GEMM), or into float32 copies holding the rounded values
// (any other kernel); products and sums stay fp32.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

// op(a) @ op(b) with broadcast batch dims; out: batch + (M, N).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b);
// out = beta * out + alpha * op(a) @ op(b); 2-D, out with contiguous rows (their stride is the ldc).
void gemm_(Tensor& out, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha, double beta);

// For kernels that tile their own products (flash attention) at MatmulPrecision::bf16:
// true when oneDNN's bf16 GEMM is loaded;
bool bf16_gemm_available();
// x (float32) rounded to bfloat16, as a bf16 tensor of x's shape and strides;
Tensor to_bf16_strided(const Tensor& x);
// one single-threaded C (m x n, row stride ldc) = alpha op(A) op(B) + beta C on row-major bf16 operands
// stored with row strides lda, ldb (op(A) is m x k); needs bf16_gemm_available().
void gemm_bf16_tile(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const bf16* a,
                    int64_t lda, const bf16* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace sf::cpu
