// Differentiable ops on Variables. Each computes its forward with the Tensor ops of core/ops.h
// and records its backward (autograd/function.h). Broadcasting follows numpy rules; the gradient of
// a broadcast operand is summed back to its shape. Every op here has a float64 finite-difference
// gradcheck in tests/autograd/.
#pragma once
#include <vector>

#include "autograd/function.h"
#include "core/ops.h"
#include "core/rng.h"

namespace sf {

// --- element-wise -------------------------------------------------------------------------------
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable maximum(const Variable& a, const Variable& b);  // ties send the gradient to a
Variable minimum(const Variable& a, const Variable& b);
Variable pow(const Variable& a, const Variable& b);  // a > 0 where b needs a gradient
// Any op of core/binary_ops.h: a differentiable one through its function above, a comparison as a constant.
Variable binary(BinaryOp op, const Variable& a, const Variable& b);
Variable add(const Variable& a, double b);
Variable mul(const Variable& a, double b);
Variable pow(const Variable& a, double p);
Variable unary(UnaryOp op, const Variable& x);
inline Variable neg(const Variable& x) { return unary(UnaryOp::neg, x); }
inline Variable exp(const Variable& x) { return unary(UnaryOp::exp, x); }
inline Variable log(const Variable& x) { return unary(UnaryOp::log, x); }
inline Variable sqrt(const Variable& x) { return unary(UnaryOp::sqrt, x); }
inline Variable rsqrt(const Variable& x) { return unary(UnaryOp::rsqrt, x); }
inline Variable tanh(const Variable& x) { return unary(UnaryOp::tanh, x); }
inline Variable sin(const Variable& x) { return unary(UnaryOp::sin, x); }
inline Variable sigmoid(const Variable& x) { return unary(UnaryOp::sigmoid, x); }
inline Variable relu(const Variable& x) { return unary(UnaryOp::relu, x); }
inline Variable gelu(const Variable& x, bool tanh_approx = false) {
  return unary(tanh_approx ? UnaryOp::gelu_tanh : UnaryOp::gelu_erf, x);
}
inline Variable silu(const Variable& x) { return unary(UnaryOp::silu, x); }
// φ'(x) of GELU (erf form) and SiLU as differentiable ops (their own gradients use φ'').
inline Variable gelu_grad(const Variable& x) { return unary(UnaryOp::gelu_erf_grad, x); }
inline Variable silu_grad(const Variable& x) { return unary(UnaryOp::silu_grad, x); }
inline Variable softplus(const Variable& x) { return unary(UnaryOp::softplus, x); }
inline Variable abs(const Variable& x) { return unary(UnaryOp::abs, x); }
inline Variable square(const Variable& x) { return unary(UnaryOp::square, x); }
Variable clamp(const Variable& x, double lo, double hi);  // gradient 0 outside [lo, hi]
Variable where(const Tensor& cond, const Variable& a, const Variable& b);
Variable masked_fill(const Variable& x, const Tensor& mask, double value);

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator-(const Variable& a) { return neg(a); }
inline Variable operator+(const Variable& a, double b) { return add(a, b); }
inline Variable operator-(const Variable& a, double b) { return add(a, -b); }
inline Variable operator*(const Variable& a, double b) { return mul(a, b); }
inline Variable operator*(double a, const Variable& b) { return mul(b, a); }
inline Variable operator/(const Variable& a, double b) { return mul(a, 1.0 / b); }

// --- reductions ---------------------------------------------------------------------------------
Variable sum(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable mean(const Variable& x, const Shape& dims = {}, bool keepdim = false);
Variable amax(const Variable& x, const Shape& dims = {}, bool keepdim = false);  // ties share the gradient
Variable var(const Variable& x, const Shape& dims = {}, bool unbiased = true, bool keepdim = false);

// --- softmax and losses -------------------------------------------------------------------------
Variable softmax(const Variable& x, int64_t dim);
Variable log_softmax(const Variable& x, int64_t dim);
// Mean over positions whose target != ignore_index of −log softmax(logits)[target], logits (..., V),
// targets int (...). Fused: the softmax is computed once and reused by backward.
Variable cross_entropy(const Variable& logits, const Tensor& targets, int64_t ignore_index = -100);

// --- linear algebra -----------------------------------------------------------------------------
Variable matmul(const Variable& a, const Variable& b, bool trans_a = false, bool trans_b = false);
// x (..., in) @ weight(out, in)^T + bias(out): the Linear layer's op, one GEMM per pass.
Variable linear(const Variable& x, const Variable& weight, const Variable& bias = Variable());

// --- shape (views where core makes views) ----------------------------------------------------------
Variable reshape(const Variable& x, const Shape& shape);
Variable permute(const Variable& x, const Shape& dims);
Variable transpose(const Variable& x, int64_t a, int64_t b);
Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length);
// x with u added to x.narrow(dim, start, u.size(dim)): one copy of x, and a backward that passes x's gradient
// through and hands u its slice (an adapter's update to a slice of a fused projection's output).
Variable add_narrow(const Variable& x, int64_t dim, int64_t start, const Variable& u);
Variable select(const Variable& x, int64_t dim, int64_t index);
Variable expand(const Variable& x, const Shape& shape);
Variable unsqueeze(const Variable& x, int64_t dim);
Variable squeeze(const Variable& x, int64_t dim);
Variable contiguous(const Variable& x);
Variable cat(const std::vector<Variable>& xs, int64_t dim);
Variable stack(const std::vector<Variable>& xs, int64_t dim);
std::vector<Variable> split(const Variable& x, const Shape& sizes, int64_t dim);
Variable cumsum(const Variable& x, int64_t dim);

// --- indexing -------------------------------------------------------------------------------------
Variable index_select(const Variable& x, int64_t dim, const Tensor& index);
Variable embedding(const Variable& weight, const Tensor& index);
Variable gather(const Variable& x, int64_t dim, const Tensor& index);
Variable scatter_add(const Variable& base, int64_t dim, const Tensor& index, const Variable& src);

// --- regularisation -----------------------------------------------------------------------------
// Inverted dropout with a counter-based mask: the same (stream, element) gives the same mask on any
// thread count, device or rank. Identity when p == 0 or training is false.
Variable dropout(const Variable& x, double p, bool training, RngStream stream);

}  // namespace sf
