#include "layers/mlp.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/weight_init.h"

namespace sf {

int64_t Mlp::swiglu_hidden(int64_t dim) { return 256 * ((8 * dim + 3 * 256 - 1) / (3 * 256)); }

Mlp::Mlp(const ModelConfig& c, DType dtype) : kind_(c.mlp), gelu_tanh_(c.gelu == GeluKind::tanh) {
  SF_CHECK(c.mlp != MlpKind::none, "Mlp: model.mlp is none; the block should not build an MLP");
  const int64_t d = c.n_embd;
  if (kind_ == MlpKind::gelu) {
    hidden_ = c.mlp_ratio * d;
    fc_ = register_module("fc", std::make_shared<Linear>(d, hidden_, c.bias, linear_weight_init(c, d, false), dtype,
                                                         linear_bias_init(c, d)));
    proj_ = register_module("proj", std::make_shared<Linear>(hidden_, d, c.bias, linear_weight_init(c, hidden_, true),
                                                             dtype, linear_bias_init(c, hidden_)));
  } else {
    hidden_ = swiglu_hidden(d);
    w1_ = register_module("w1", std::make_shared<Linear>(d, hidden_, false, linear_weight_init(c, d, false), dtype));
    w3_ = register_module("w3", std::make_shared<Linear>(d, hidden_, false, linear_weight_init(c, d, false), dtype));
    w2_ = register_module("w2", std::make_shared<Linear>(hidden_, d, false, linear_weight_init(c, hidden_, true), dtype));
  }
}

Variable Mlp::forward(const Variable& x) const {
  if (kind_ == MlpKind::gelu) return proj_->forward(gelu(fc_->forward(x), gelu_tanh_));
  return w2_->forward(silu(w1_->forward(x)) * w3_->forward(x));
}

}  // namespace sf
