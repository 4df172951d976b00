// One pre-norm residual block (GPT-2 / nanoGPT style): x ← x + Dropout(Mixer(Norm1(x))), then
// x ← x + Dropout(MLP(Norm2(x))) unless model.mlp = none. The mixer comes from the registry by
// name (ModelConfig::mixer_of: model.layers[i], or model.mixer), so every mixer shares this block.
// model.block = plain is the first step alone, without the MLP whatever model.mlp says: the bare
// residual mixer stack x ← x + Mixer(Norm(x)) of Mamba's and GAM's baselines.
// model.block = bare is x ← Mixer(x) with nothing around it (no norm, residual, MLP or dropout): the
// Mamba stack of the GAM paper's benchmark.py, reproduced as it is. A mixer whose reference adds its
// output without dropout says so (Mixer::dropout_on_output: GAM).
// model.residual_scale makes the first step x ← s ⊙ x + Dropout(Mixer(Norm1(x))) with a learned
// per-channel s (init 1, "residual_scale"): ParaRNN's block (App. C.1) scales the skip path, and the
// skip path lives here, not in the mixer, which only sees Norm1(x).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/dropout.h"
#include "layers/mixer.h"
#include "layers/mlp.h"
#include "layers/norm.h"

namespace sf {

class TransformerBlock : public Module {
 public:
  TransformerBlock(const ModelConfig& config, int64_t layer_index, DType dtype = DType::f32);

  Variable forward(const Variable& x);  // (B, L, D) -> (B, L, D)

  // One token through the block with the mixer's recurrent form (generation, eval mode, no grad):
  // x_t (B, D) at position pos -> (B, D); `state` is the mixer's (Mixer::step).
  bool has_step() const { return mixer_->has_step(); }
  Mixer::Diagnostics diagnostics() const { return mixer_->diagnostics(); }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state);

 private:
  // Everything after the mixer: the (scaled) skip plus the mixer's output, then the MLP's residual.
  Variable around_mixer(const Variable& x, const Variable& mixed);

  std::shared_ptr<Norm> norm1_, norm2_;
  std::shared_ptr<Mixer> mixer_;
  Variable residual_scale_;  // undefined unless model.residual_scale
  std::shared_ptr<Mlp> mlp_;  // null when model.mlp = none
  std::shared_ptr<Dropout> drop_;
  bool bare_ = false;  // model.block: bare (only mixer_ is built)
};

}  // namespace sf
