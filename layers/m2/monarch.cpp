#include "layers/m2/monarch.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/function.h"
#include "autograd/functions.h"
#include "core/ops.h"

namespace sf {
namespace {

int64_t root_of(int64_t n) {
  const auto b = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  SF_CHECK(b * b == n, "monarch: width ", n, " is not a perfect square b² (use 16, 64, 256, 1024, ...)");
  return b;
}

}  // namespace

Variable monarch_multiply(const Variable& x, const Variable& L, const Variable& R, bool permute_input) {
  const int64_t n = x.size(-1), b = root_of(n);
  SF_CHECK(L.shape() == Shape({b, b, b}) && R.shape() == Shape({b, b, b}), "monarch: L and R must be (", b, ", ",
           b, ", ", b, ") for width ", n, ", got ", shape_str(L.shape()), " and ", shape_str(R.shape()));
  const Shape shape = x.shape();
  const int64_t m = x.data().numel() / n;
  Variable g = reshape(contiguous(x), {m, b, b});  // g[m, c, e] = x[c·b + e]
  // z = (P x or x) in chunks, batch-major for the GEMM: z[k, m, f] = chunk k, entry f.
  Variable z = permute_input ? permute(g, {2, 0, 1}) : permute(g, {1, 0, 2});
  Variable y = matmul(z, R, false, true);             // y[k, m, e] = Σ_f R[k, e, f] z[k, m, f]
  Variable w = permute(y, {2, 1, 0});                 // P: w[k, m, e] = y[e, m, k]
  Variable v = matmul(w, L, false, true);             // v[k, m, e] = Σ_f L[k, e, f] w[k, m, f]
  return reshape(contiguous(permute(v, {1, 2, 0})), shape);  // P: out[m, c, e] = v[e, m, c]
}

Tensor monarch_dense(const Tensor& L, const Tensor& R, bool permute_input) {
  const int64_t b = L.size(0), n = b * b;
  NoGradGuard no_grad;
  Tensor eye = zeros({n, n}, L.dtype());
  for (int64_t i = 0; i < n; ++i) eye.narrow(0, i, 1).narrow(1, i, 1).fill_(1.0);
  // Row i of monarch(I) is M e_i, i.e. column i of M.
  return monarch_multiply(Variable(eye), Variable(L), Variable(R), permute_input).data().transpose(0, 1).contiguous();
}

MonarchLinear::MonarchLinear(int64_t in, int64_t out, bool bias, bool permute_input, DType dtype)
    : in_(in), out_(out), n_(std::min(in, out)), permute_input_(permute_input) {
  SF_CHECK(n_ > 0 && std::max(in, out) % n_ == 0, "monarch linear: ", in, " -> ", out,
           ": the larger width must be a multiple of the smaller (a stack of square Monarch maps)");
  const int64_t b = root_of(n_), maps = std::max(in, out) / n_;
  const double summed = static_cast<double>(in / n_);
  const Init block = Init::uniform(std::pow(3.0 / summed, 0.25) / std::sqrt(static_cast<double>(b)));
  L_ = register_parameter("left", {maps, b, b, b}, block, dtype);
  R_ = register_parameter("right", {maps, b, b, b}, block, dtype);
  if (bias) bias_ = register_parameter("bias", {out}, Init::uniform(1.0 / std::sqrt(static_cast<double>(out))), dtype);
}

Variable MonarchLinear::forward(const Variable& x) const {
  SF_CHECK(x.size(-1) == in_, "monarch linear: input width must be ", in_, ", got ", shape_str(x.shape()));
  auto map = [&](int64_t i, const Variable& chunk) {
    return monarch_multiply(chunk, select(L_, 0, i), select(R_, 0, i), permute_input_);
  };
  Variable y;
  if (out_ > in_) {  // n -> r·n: the maps' outputs side by side
    std::vector<Variable> outs;
    for (int64_t i = 0; i < out_ / n_; ++i) outs.push_back(map(i, x));
    y = cat(outs, -1);
  } else {  // r·n -> n (r = 1: square): the maps of the input's chunks summed
    for (int64_t i = 0; i < in_ / n_; ++i) {
      const Variable term = map(i, in_ == n_ ? x : narrow(x, -1, i * n_, n_));
      y = y.defined() ? y + term : term;
    }
  }
  return bias_.defined() ? y + bias_ : y;
}

BlockdiagLinear::BlockdiagLinear(int64_t in, int64_t out, int64_t blocks, bool bias, DType dtype)
    : in_(in), out_(out), blocks_(blocks) {
  SF_CHECK(blocks > 0 && in % blocks == 0 && out % blocks == 0, "blockdiag linear: ", blocks,
           " blocks must divide both widths (", in, " -> ", out, ")");
  weight_ = register_parameter("weight", {blocks, out / blocks, in / blocks},
                               Init::uniform(std::sqrt(static_cast<double>(blocks) / static_cast<double>(in))), dtype);
  if (bias) bias_ = register_parameter("bias", {out}, Init::uniform(1.0 / std::sqrt(static_cast<double>(out))), dtype);
}

Variable BlockdiagLinear::forward(const Variable& x) const {
  SF_CHECK(x.size(-1) == in_, "blockdiag linear: input width must be ", in_, ", got ", shape_str(x.shape()));
  // One GEMM per block that reads its chunk of x and writes its chunk of y in place, with a hand-written
  // backward: no permuted copies of x, y or their gradients (the composite's oracle role is in the tests).
  const int64_t nb = blocks_, ib = in_ / nb, ob = out_ / nb;
  const Tensor x2 = x.data().reshape({-1, in_}), w = weight_.data();
  const bool has_bias = bias_.defined();
  Tensor y = empty({x2.size(0), out_}, x.dtype());
  if (has_bias) y.copy_(bias_.data());  // rows of bias, then the GEMMs accumulate
  for (int64_t b = 0; b < nb; ++b) {
    Tensor yb = y.narrow(1, b * ob, ob);
    gemm_(yb, x2.narrow(1, b * ib, ib), w.select(0, b), false, true, 1.0, has_bias ? 1.0 : 0.0);
  }
  Shape shape = x.shape();
  shape.back() = out_;
  std::vector<Variable> inputs{x, weight_};
  if (has_bias) inputs.push_back(bias_);
  const Shape xs = x.shape();
  return record("blockdiag_linear", y.view(shape), inputs, [x2, w, nb, ib, ob, xs, has_bias](const Tensor& g) {
    const Tensor g2 = g.contiguous().view({-1, nb * ob});
    Tensor dx = empty(x2.shape(), x2.dtype()), dw = empty(w.shape(), w.dtype());
    for (int64_t b = 0; b < nb; ++b) {
      const Tensor gb = g2.narrow(1, b * ob, ob);
      Tensor dxb = dx.narrow(1, b * ib, ib), dwb = dw.select(0, b);
      gemm_(dxb, gb, w.select(0, b), false, false);
      gemm_(dwb, gb, x2.narrow(1, b * ib, ib), true, false);
    }
    std::vector<Tensor> grads{dx.view(xs), dw};
    if (has_bias) grads.push_back(sum(g2, {0}));
    return grads;
  });
}

}  // namespace sf
