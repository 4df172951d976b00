#include "layers/gam/gam.h"

#include <cmath>

#include "autograd/bank_attention.h"
#include "autograd/fused_gates.h"
#include "autograd/functions.h"
#include "layers/causal_conv.h"

namespace sf {

Gam::Gam(const ModelConfig& c, int64_t /*layer_index*/, DType dtype)
    : d_model_(c.n_embd),
      kernel_(c.section<GamConfig>().kernel),
      tile_rows_(c.section<GamConfig>().tile_rows),
      fusion_(c.section<GamConfig>().fusion),
      local_(c.section<GamConfig>().paths != GamPaths::global),
      global_(c.section<GamConfig>().paths != GamPaths::local) {
  const int64_t D = d_model_, M = c.section<GamConfig>().slots;
  if (local_) {
    const Init conv = Init::uniform(1.0 / std::sqrt(static_cast<double>(kernel_)));
    conv_weight_ = register_parameter("conv_weight", {D, kernel_}, conv, dtype);
    conv_bias_ = register_parameter("conv_bias", {D}, conv, dtype);
  }
  if (global_) {
    memory_ = register_parameter("memory", {M, D}, Init::uniform(std::sqrt(6.0 / static_cast<double>(M + D))), dtype);
  }
  if (fusion_ == GamFusion::gated) {
    const int64_t gates = (local_ ? D : 0) + (global_ ? D : 0);
    const Init linear = Init::uniform(1.0 / std::sqrt(static_cast<double>(D)));
    gate_weight_ = register_parameter("gate_weight", {gates, D}, linear, dtype);
    gate_bias_ = register_parameter("gate_bias", {gates}, linear, dtype);
  }
}

Variable Gam::combine(const Variable& a, const Variable& local) const {
  const Variable global = global_ ? bank_attention(a, memory_, tile_rows_) : Variable();
  if (fusion_ == GamFusion::sum) return local + global;
  const Variable g = linear(a, gate_weight_, gate_bias_);
  if (!global_) return sigmoid(g) * local;
  if (!local_) return sigmoid(g) * global;
  return gated_pair(g, local, global);  // σ(g_l) ⊙ local + σ(g_g) ⊙ global, fused
}

Variable Gam::forward(const Variable& a) {
  SF_CHECK(a.dim() == 3 && a.size(2) == d_model_, "gam: input must be (B, L, ", d_model_, "), got ",
           shape_str(a.shape()));
  return combine(a, local_ ? causal_conv(a, conv_weight_, conv_bias_) : Variable());
}

Tensor Gam::step(const Tensor& a_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  Tensor local;
  if (local_) {
    if (state.empty()) state.push_back(zeros({a_t.size(0), kernel_ - 1, d_model_}, a_t.dtype()));
    local = causal_conv_step(state[0], a_t, conv_weight_.data(), conv_bias_.data());
  }
  return combine(Variable(a_t), Variable(local)).data();
}

std::shared_ptr<Mixer> make_gam(const ModelConfig& config, int64_t layer_index, DType dtype) {
  return std::make_shared<Gam>(config, layer_index, dtype);
}

}  // namespace sf
