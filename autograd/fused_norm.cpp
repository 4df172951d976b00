#include "autograd/fused_norm.h"

#include "core/cpu/norm.h"
#include "core/error.h"

namespace sf {
namespace {

Variable norm(const Variable& x, const Variable& weight, const Variable& bias, double eps, bool centre) {
  SF_CHECK(x.data().device().is_cpu(), "layer_norm / rms_norm: only the CPU kernel exists so far");
  const Tensor b = bias.defined() ? bias.data() : Tensor();
  cpu::NormForward f = cpu::norm_forward(x.data(), weight.data(), b, eps, centre);
  Tensor y = std::move(f.y);  // backward needs only mean and rstd
  std::vector<Variable> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  const bool with_bias = bias.defined();
  return record(centre ? "layer_norm" : "rms_norm", y, std::move(inputs),
                [x = x.data(), w = weight.data(), f = std::move(f), centre, with_bias](const Tensor& g) {
                  cpu::NormGrads d = cpu::norm_backward(g, x, w, f, centre, with_bias);
                  std::vector<Tensor> grads{d.dx, d.dweight};
                  if (with_bias) grads.push_back(d.dbias);
                  return grads;
                });
}

}  // namespace

Variable layer_norm(const Variable& x, const Variable& weight, const Variable& bias, double eps) {
  return norm(x, weight, bias, eps, true);
}

Variable rms_norm(const Variable& x, const Variable& weight, double eps) { return norm(x, weight, Variable(), eps, false); }

}  // namespace sf
