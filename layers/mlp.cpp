#include "layers/mlp.h"

#include <cmath>

#include "autograd/functions.h"
#include "autograd/fused_glu.h"
#include "layers/weight_init.h"

namespace sf {

int64_t Mlp::swiglu_hidden(int64_t dim) { return 256 * ((8 * dim + 3 * 256 - 1) / (3 * 256)); }

Mlp::Mlp(const ModelConfig& c, DType dtype) : kind_(c.mlp), gelu_tanh_(c.gelu == GeluKind::tanh) {
  SF_CHECK(c.mlp != MlpKind::none, "Mlp: model.mlp is none; the block should not build an MLP");
  const int64_t d = c.n_embd;
  switch (kind_) {
    case MlpKind::gelu:
      hidden_ = c.mlp_ratio * d;
      fc_ = register_module("fc", std::make_shared<Linear>(d, hidden_, c.bias, linear_weight_init(c, d, false), dtype,
                                                           linear_bias_init(c, d)));
      proj_ = register_module("proj", std::make_shared<Linear>(hidden_, d, c.bias, linear_weight_init(c, hidden_, true),
                                                               dtype, linear_bias_init(c, hidden_)));
      break;
    case MlpKind::swiglu:
      hidden_ = swiglu_hidden(d);
      w1_ = register_module("w1", std::make_shared<Linear>(d, hidden_, false, linear_weight_init(c, d, false), dtype));
      w3_ = register_module("w3", std::make_shared<Linear>(d, hidden_, false, linear_weight_init(c, d, false), dtype));
      w2_ = register_module("w2",
                            std::make_shared<Linear>(hidden_, d, false, linear_weight_init(c, hidden_, true), dtype));
      break;
    case MlpKind::blockdiag_glu:
      hidden_ = c.mlp_ratio * d;
      blockdiag_gate_ =
          register_module("gate", std::make_shared<BlockdiagLinear>(d, 2 * hidden_, c.mlp_blocks, false, dtype));
      blockdiag_out_ = register_module("out", std::make_shared<BlockdiagLinear>(hidden_, d, c.mlp_blocks, c.bias, dtype));
      break;
    case MlpKind::monarch_glu:
      hidden_ = c.mlp_ratio * d;
      monarch_gate_ = register_module("gate", std::make_shared<MonarchLinear>(d, 2 * hidden_, false, false, dtype));
      monarch_out_ = register_module("out", std::make_shared<MonarchLinear>(hidden_, d, c.bias, false, dtype));
      break;
    case MlpKind::none:
      break;
  }
}

Variable Mlp::glu(const Variable& h) const { return gelu_glu(h, gelu_tanh_); }  // fused; tests hold the composite

Variable Mlp::forward(const Variable& x) const {
  switch (kind_) {
    case MlpKind::gelu: return proj_->forward(gelu(fc_->forward(x), gelu_tanh_));
    case MlpKind::swiglu: return w2_->forward(silu(w1_->forward(x)) * w3_->forward(x));
    case MlpKind::blockdiag_glu: return blockdiag_out_->forward(glu(blockdiag_gate_->forward(x)));
    case MlpKind::monarch_glu: return monarch_out_->forward(glu(monarch_gate_->forward(x)));
    case MlpKind::none: break;
  }
  throw Error("Mlp: model.mlp is none");  // the constructor refuses it
}

}  // namespace sf
