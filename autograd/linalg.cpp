// matmul and linear. Gradients use transposed GEMMs (no explicit transposes are materialised).
#include "autograd/functions.h"

namespace sf {
namespace {
Tensor reduce_to(const Tensor& g, const Shape& shape) { return g.shape() == shape ? g : sum_to(g, shape); }
}  // namespace

Variable matmul(const Variable& a, const Variable& b, bool ta, bool tb) {
  bool ra = a.requires_grad(), rb = b.requires_grad();
  Tensor out = matmul(a.data(), b.data(), ta, tb);
  return record("matmul", out, {a, b}, [a = a.data(), b = b.data(), ta, tb, ra, rb](const Tensor& g) {
    // C = op(A) op(B); each case below is dC/dA, dC/dB written as one GEMM with folded transposes.
    Tensor ga, gb;
    if (ra) ga = !ta ? matmul(g, b, false, !tb) : matmul(b, g, tb, true);
    if (rb) gb = !tb ? matmul(a, g, !ta, false) : matmul(g, a, true, ta);
    if (ga.defined()) ga = reduce_to(ga, a.shape());
    if (gb.defined()) gb = reduce_to(gb, b.shape());
    return std::vector<Tensor>{ga, gb};
  });
}

Variable linear(const Variable& x, const Variable& w, const Variable& bias) {
  SF_CHECK(w.dim() == 2, "linear: weight must be 2-D (out, in), got ", shape_str(w.shape()));
  const int64_t in = w.size(1), out_f = w.size(0);
  SF_CHECK(x.dim() >= 1 && x.size(-1) == in, "linear: input ", shape_str(x.shape()), " does not end in ", in,
           " features (weight ", shape_str(w.shape()), ")");
  // At bf16 matmul precision x and w are rounded once here and serve backward too, as does the incoming
  // gradient for its two GEMMs (core/ops.h, gemm_operand); otherwise these are the tensors themselves.
  Tensor x2 = gemm_operand(x.data().reshape({-1, in})), w2 = gemm_operand(w.data());
  Tensor y2 = empty({x2.size(0), out_f}, x.dtype(), x.device());
  if (bias.defined()) {
    SF_CHECK(bias.shape() == Shape{out_f}, "linear: bias ", shape_str(bias.shape()), " for ", out_f, " outputs");
    y2.copy_(bias.data());  // broadcast rows, then GEMM accumulates into them
    gemm_(y2, x2, w2, false, true, 1.0, 1.0);
  } else {
    gemm_(y2, x2, w2, false, true, 1.0, 0.0);
  }
  Shape out_shape = x.shape();
  out_shape.back() = out_f;
  std::vector<Variable> inputs{x, w};
  if (bias.defined()) inputs.push_back(bias);
  bool rx = x.requires_grad(), rw = w.requires_grad(), has_b = bias.defined();
  return record("linear", y2.view(out_shape), inputs, [x2, w2, xs = x.shape(), rx, rw, has_b](const Tensor& g) {
    const Tensor g2 = g.reshape({-1, g.size(-1)});
    const Tensor g2_operand = x2.dtype() == DType::bf16 && (rx || rw) ? round_to_bf16(g2) : g2;
    std::vector<Tensor> grads(has_b ? 3 : 2);
    if (rx) grads[0] = matmul(g2_operand, w2).view(xs);
    if (rw) grads[1] = matmul(g2_operand, x2, true, false);
    if (has_b) grads[2] = sum(g2, {0});
    return grads;
  });
}

}  // namespace sf
