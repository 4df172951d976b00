// The feed-forward block after each mixer (GPT-2 MLP or LLaMA's SwiGLU), picked by the config's `mlp`:
//   gelu:   GELU(x W_fc + b_fc) W_proj + b_proj, hidden width mlp_ratio·D, GELU erf or tanh;
//   swiglu: (SiLU(x W_1) ⊙ (x W_3)) W_2, hidden width F = 256·ceil((8D/3)/256), never biases.
// Init: model.init (layers/weight_init.h); the output projection writes into the residual stream.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"

namespace sf {

class Mlp : public Module {
 public:
  Mlp(const ModelConfig& config, DType dtype = DType::f32);  // config.mlp must not be none

  Variable forward(const Variable& x) const;  // (..., D) -> (..., D)
  int64_t hidden() const { return hidden_; }

  static int64_t swiglu_hidden(int64_t dim);  // 256·ceil((8D/3)/256)

 private:
  MlpKind kind_;
  bool gelu_tanh_;
  int64_t hidden_;
  std::shared_ptr<Linear> fc_, proj_;  // gelu
  std::shared_ptr<Linear> w1_, w3_, w2_;  // swiglu
};

}  // namespace sf
