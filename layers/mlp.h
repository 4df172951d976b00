// The feed-forward block after each mixer, picked by the config's `mlp`:
//   gelu:          GELU(x W_fc + b_fc) W_proj + b_proj, hidden width mlp_ratio·D, GELU erf or tanh;
//   swiglu:        (SiLU(x W_1) ⊙ (x W_3)) W_2, hidden width F = 256·ceil((8D/3)/256), never biases;
//   blockdiag_glu: M2's channel mixer (spec mixers.md §4.2; HazyResearch/m2 `BertGatedLinearUnitMLP`):
//                  h = x W_g (D → 2F, no bias), GELU(h[:, :F]) ⊙ h[:, F:], then W_o (F → D, bias when
//                  model.bias), F = mlp_ratio·D, W_g and W_o BlockdiagLinear with model.mlp_blocks blocks.
//                  As in the reference, output chunk k of W_g reads input chunk k only, so the GELU half
//                  sees the first half of the channels (even block count);
//   monarch_glu:   the same GLU with W_g and W_o order-2 Monarch maps (MonarchLinear without the input
//                  permutation, needs D = b²): W_g stacks 2F/D square maps, W_o sums F/D of them.
// Init: gelu and swiglu by model.init (layers/weight_init.h; the output projection writes into the
// residual stream); the structured GLUs by their layers' reference inits (dense-Kaiming-like,
// layers/m2/monarch.h), whatever model.init says.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/m2/monarch.h"

namespace sf {

class Mlp : public Module {
 public:
  Mlp(const ModelConfig& config, DType dtype = DType::f32);  // config.mlp must not be none

  Variable forward(const Variable& x) const;  // (..., D) -> (..., D)
  int64_t hidden() const { return hidden_; }

  static int64_t swiglu_hidden(int64_t dim);  // 256·ceil((8D/3)/256)

 private:
  Variable glu(const Variable& h) const;  // GELU(h[..., :F]) ⊙ h[..., F:]

  MlpKind kind_;
  bool gelu_tanh_;
  int64_t hidden_;
  std::shared_ptr<Linear> fc_, proj_;                   // gelu
  std::shared_ptr<Linear> w1_, w3_, w2_;                // swiglu
  std::shared_ptr<BlockdiagLinear> blockdiag_gate_, blockdiag_out_;  // blockdiag_glu
  std::shared_ptr<MonarchLinear> monarch_gate_, monarch_out_;        // monarch_glu
};

}  // namespace sf
