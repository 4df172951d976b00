#include "layers/titans/lmm.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/titans/persistent.h"

namespace sf {

TitansLmm::TitansLmm(const ModelConfig& c, int64_t /*layer_index*/, DType dtype)
    : d_model_(c.n_embd), n_persistent_(c.section<TitansConfig>().persistent) {
  const int64_t D = d_model_;
  const Init fan_in = Init::uniform(1.0 / std::sqrt(static_cast<double>(D)));
  memory_ = register_module("memory", std::make_shared<MemoryBranch>(c, dtype));
  norm_ = register_module("norm", std::make_shared<RMSNorm>(D, 1e-5, dtype));
  gate_ = register_module("gate", std::make_shared<Linear>(D, D, false, fan_in, dtype));
  out_ = register_module("out", std::make_shared<Linear>(
                                    D, D, false, Init::uniform(1.0 / std::sqrt(static_cast<double>(D * c.n_layer))), dtype));
  if (n_persistent_ > 0) persistent_ = register_parameter("persistent", {n_persistent_, D}, Init::normal(0.02), dtype);
}

Variable TitansLmm::output(const Variable& y, const Variable& x) const {
  return out_->forward(norm_->forward(y) * silu(gate_->forward(x)));
}

Variable TitansLmm::forward(const Variable& x) {
  SF_CHECK(x.dim() == 3 && x.size(2) == d_model_, "titans_lmm: input must be (B, L, ", d_model_, "), got ",
           shape_str(x.shape()));
  return output(without_persistent(persistent_, memory_->forward(with_persistent(persistent_, x))), x);
}

Tensor TitansLmm::step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  if (pos == 0) {
    state.clear();
    for (int64_t p = 0; p < n_persistent_; ++p)
      memory_->step(persistent_.data().narrow(0, p, 1).expand({x_t.size(0), d_model_}).contiguous(), state);
  }
  const Tensor y = memory_->step(x_t, state);
  return output(Variable(y), Variable(x_t)).data();
}

std::shared_ptr<Mixer> make_titans_lmm(const ModelConfig& config, int64_t layer_index, DType dtype) {
  return std::make_shared<TitansLmm>(config, layer_index, dtype);
}

}  // namespace sf
