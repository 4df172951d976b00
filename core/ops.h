// Tensor operations without autograd: the one dispatch point per op.
//
// Every function here checks its arguments, picks the backend from the inputs' device
// (CPU kernels in core/cpu/, CUDA in core/cuda/) and returns a new contiguous tensor unless it
// says otherwise. Broadcasting follows numpy rules. Floating ops accept float32 and float64;
// arithmetic and comparisons also accept int32/int64. Reductions are deterministic: the result
// does not depend on the number of threads.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "core/binary_ops.h"
#include "core/unary_ops.h"

namespace sf {

// Element-wise unary (UnaryOp) and binary (BinaryOp) functions are listed in core/unary_ops.h and
// core/binary_ops.h, their math in core/elementwise_math.h. Comparisons return 1/0 in the inputs' dtype.

const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);

Tensor unary(UnaryOp op, const Tensor& x);
// grad · f'(x) for a unary op, fused (y = f(x) is passed for ops whose derivative uses it).
Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary(BinaryOp op, const Tensor& a, double b);  // b broadcast as a scalar of a's dtype

inline Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::add, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::sub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::mul, a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::div, a, b); }
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator*(const Tensor& a, double b) { return binary(BinaryOp::mul, a, b); }
inline Tensor operator+(const Tensor& a, double b) { return binary(BinaryOp::add, a, b); }
inline Tensor operator-(const Tensor& a) { return unary(UnaryOp::neg, a); }

Tensor clamp(const Tensor& x, double lo, double hi);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond != 0 picks a
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// y += alpha * x in place (same shape, y contiguous). The optimizer and gradient accumulation use it.
void axpy_(Tensor& y, const Tensor& x, double alpha = 1.0);

// --- reductions (dims may be negative; empty dims = all) --------------------------------------
Tensor sum(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, const Shape& dims = {}, bool unbiased = true, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);  // int64, first maximum wins
// Sums a broadcast result back to `shape` (the gradient of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// --- softmax family (over one dim) -----------------------------------------------------------
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);      // y = softmax(x)
Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim);  // y = log_softmax(x)

// --- linear algebra -------------------------------------------------------------------------
// Float32 GEMMs (matmul, gemm_) take their operands as they are (fp32, the default) or rounded to
// bfloat16 with fp32 accumulation and output (bf16), as PyTorch's CPU autocast does for linear layers:
// about twice as fast where the CPU has AVX512_BF16 and oneDNN is installed (core/cpu/blas.h), else the
// same rounding through the fp32 kernel. The CPU flash attention kernel rounds its tile products too where
// oneDNN's bf16 GEMM runs (else it stays fp32). Process-wide; float64 GEMMs and the CUDA GEMM are never
// rounded.
enum class MatmulPrecision { fp32, bf16 };
void set_matmul_precision(MatmulPrecision p);
MatmulPrecision matmul_precision();
// For layers that use one GEMM operand more than once (Linear: x and W in forward and backward, dy twice in
// backward): at bf16 precision on a CPU with oneDNN's bf16 GEMM, x (float32) rounded once by round_to_bf16;
// otherwise x itself. matmul and gemm_ take bf16 operands (both of them) and give float32.
Tensor gemm_operand(const Tensor& x);
// x (float32, CPU) rounded to nearest-even bfloat16: a bf16 tensor of x's shape and strides.
Tensor round_to_bf16(const Tensor& x);
// op(a) @ op(b) where op transposes the last two dims when asked. 2-D, or batched (..., M, K) with
// batch dims broadcast. Transposed or strided operands are passed to the GEMM without copies. Operands are
// float32, float64, or bfloat16 (then the result is float32).
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
// out = beta * out + alpha * op(a) @ op(b) for 2-D operands, in place. out's rows must be contiguous (a block
// of columns of a wider matrix is fine: per-block products write their columns in place).
void gemm_(Tensor& out, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b,
           double alpha = 1.0, double beta = 0.0);

// --- indexing -------------------------------------------------------------------------------
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);  // index: 1-D int
Tensor embedding(const Tensor& weight, const Tensor& index);             // out: index.shape + (D)
// Adds rows of src into a zero tensor of `shape` at `index` along dim 0 (embedding backward).
Tensor index_add(const Shape& shape, const Tensor& index, const Tensor& src);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);        // index has x's rank
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype = DType::f32);

// --- joining and scanning ---------------------------------------------------------------------
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
std::vector<Tensor> split(const Tensor& x, const Shape& sizes, int64_t dim);  // views
Tensor cumsum(const Tensor& x, int64_t dim);
Tensor flip(const Tensor& x, int64_t dim);  // reverse one dim (reverse cumsum for backward)

// --- checks -------------------------------------------------------------------------------
bool all_finite(const Tensor& x);
// max |a - b| and max |a - b| / (|b| + tiny), as doubles (tests and parity).
double max_abs_diff(const Tensor& a, const Tensor& b);
double max_rel_diff(const Tensor& a, const Tensor& b, double floor = 1e-12);

}  // namespace sf
