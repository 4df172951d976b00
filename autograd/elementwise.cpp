// Backward of the element-wise ops: each gradient is summed back to its operand's shape when the
// operand was broadcast.
#include "autograd/functions.h"

namespace sf {
namespace {

Tensor reduce_to(const Tensor& g, const Shape& shape) { return g.shape() == shape ? g : sum_to(g, shape); }

// Gradient for an operand that needs one, else undefined (saves the work).
template <class F>
Tensor grad_if(bool needed, const Shape& shape, F&& f) {
  return needed ? reduce_to(f(), shape) : Tensor();
}

}  // namespace

Variable add(const Variable& a, const Variable& b) {
  return record("add", add(a.data(), b.data()), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{reduce_to(g, sa), reduce_to(g, sb)};
  });
}

Variable sub(const Variable& a, const Variable& b) {
  return record("sub", sub(a.data(), b.data()), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{reduce_to(g, sa), reduce_to(-g, sb)};
  });
}

Variable mul(const Variable& a, const Variable& b) {
  bool ra = a.requires_grad(), rb = b.requires_grad();
  return record("mul", mul(a.data(), b.data()), {a, b}, [a = a.data(), b = b.data(), ra, rb](const Tensor& g) {
    return std::vector<Tensor>{grad_if(ra, a.shape(), [&] { return g * b; }),
                               grad_if(rb, b.shape(), [&] { return g * a; })};
  });
}

Variable div(const Variable& a, const Variable& b) {
  bool ra = a.requires_grad(), rb = b.requires_grad();
  Tensor out = div(a.data(), b.data());
  return record("div", out, {a, b}, [out, b = b.data(), sa = a.shape(), ra, rb](const Tensor& g) {
    Tensor gb_over = g / b;
    return std::vector<Tensor>{grad_if(ra, sa, [&] { return gb_over; }),
                               grad_if(rb, b.shape(), [&] { return -(gb_over * out); })};
  });
}

namespace {
Variable select_max_min(const char* name, BinaryOp op, BinaryOp pick_a, const Variable& a, const Variable& b) {
  Tensor out = binary(op, a.data(), b.data());
  return record(name, out, {a, b}, [a = a.data(), b = b.data(), pick_a](const Tensor& g) {
    Tensor mask_a = binary(pick_a, a, b);  // 1 where a is the result
    Tensor ga = g * mask_a;
    return std::vector<Tensor>{reduce_to(ga, a.shape()), reduce_to(g - ga, b.shape())};
  });
}
}  // namespace

Variable maximum(const Variable& a, const Variable& b) {
  return select_max_min("maximum", BinaryOp::maximum, BinaryOp::ge, a, b);
}
Variable minimum(const Variable& a, const Variable& b) {
  return select_max_min("minimum", BinaryOp::minimum, BinaryOp::le, a, b);
}

Variable pow(const Variable& a, const Variable& b) {
  bool ra = a.requires_grad(), rb = b.requires_grad();
  Tensor out = binary(BinaryOp::pow, a.data(), b.data());
  return record("pow", out, {a, b}, [a = a.data(), b = b.data(), out, ra, rb](const Tensor& g) {
    return std::vector<Tensor>{
        grad_if(ra, a.shape(), [&] { return g * b * binary(BinaryOp::pow, a, b - ones({}, b.dtype())); }),
        grad_if(rb, b.shape(), [&] { return g * out * unary(UnaryOp::log, a); })};
  });
}

// A differentiable op calls the function of its name above (one missing fails to compile here); a comparison
// is piecewise constant, so its result does not join the graph.
#define SF_BINARY_VARIABLE_true(name) return name(a, b);
#define SF_BINARY_VARIABLE_false(name) return Variable(binary(BinaryOp::name, a.data(), b.data()));
Variable binary(BinaryOp op, const Variable& a, const Variable& b) {
  switch (op) {
#define SF_CASE(name, Math, differentiable, domain) \
  case BinaryOp::name: SF_BINARY_VARIABLE_##differentiable(name)
    SF_BINARY_OPS(SF_CASE)
#undef SF_CASE
  }
  throw Error(detail::cat("binary: unknown op ", static_cast<int>(op)));
}
#undef SF_BINARY_VARIABLE_true
#undef SF_BINARY_VARIABLE_false

Variable add(const Variable& a, double s) {
  return record("add_scalar", binary(BinaryOp::add, a.data(), s), {a},
                [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Variable mul(const Variable& a, double s) {
  return record("mul_scalar", binary(BinaryOp::mul, a.data(), s), {a},
                [s](const Tensor& g) { return std::vector<Tensor>{g * s}; });
}

Variable pow(const Variable& a, double p) {
  return record("pow_scalar", binary(BinaryOp::pow, a.data(), p), {a}, [a = a.data(), p](const Tensor& g) {
    return std::vector<Tensor>{g * binary(BinaryOp::pow, a, p - 1.0) * p};
  });
}

Variable unary(UnaryOp op, const Variable& x) {
  Tensor y = unary(op, x.data());
  return record(op_name(op), y, {x}, [op, x = x.data(), y](const Tensor& g) {
    return std::vector<Tensor>{unary_backward(op, g, x, y)};
  });
}

Variable clamp(const Variable& x, double lo, double hi) {
  return record("clamp", clamp(x.data(), lo, hi), {x}, [x = x.data(), lo, hi](const Tensor& g) {
    Tensor inside = binary(BinaryOp::ge, x, lo) * binary(BinaryOp::le, x, hi);
    return std::vector<Tensor>{g * inside};
  });
}

Variable where(const Tensor& cond, const Variable& a, const Variable& b) {
  return record("where", where(cond, a.data(), b.data()), {a, b},
                [cond, sa = a.shape(), sb = b.shape()](const Tensor& g) {
                  Tensor zero = zeros({}, g.dtype());
                  return std::vector<Tensor>{reduce_to(where(cond, g, zero), sa), reduce_to(where(cond, zero, g), sb)};
                });
}

Variable masked_fill(const Variable& x, const Tensor& mask, double value) {
  return record("masked_fill", masked_fill(x.data(), mask, value), {x}, [mask, sx = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{reduce_to(masked_fill(g, mask, 0.0), sx)};
  });
}

}  // namespace sf
