// CPU kernels for element-wise ops (see core/ops.h for the contracts). Arguments are checked by the
// dispatch layer (core/ops_elementwise.cpp); these only compute. Every kernel accepts any strides and
// numpy broadcasting, with a flat vectorised loop when the operands coalesce to one contiguous run.
#pragma once
#include "core/ops.h"

namespace sf::cpu {

Tensor unary(UnaryOp op, const Tensor& x);
// y may be undefined: the ops whose derivative uses f(x) then recompute it from x in the same loop.
Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y);
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary(BinaryOp op, const Tensor& a, double b);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
void axpy_(Tensor& y, const Tensor& x, double alpha);

}  // namespace sf::cpu
