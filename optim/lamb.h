// LAMB (You et al. 2020), as the fused LAMB of NVIDIA's BERT scripts that MKOR's reference runs use
// (spec §5). Per parameter θ with gradient g, group weight decay λ and learning rate η, at step t
// (from 1, the optimizer's step count):
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   u = (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + ε) + λθ
//   φ = min(‖θ‖₂, clamp_weight_norm) (no clamp when 0),   ψ = ‖u‖₂
//   trust = φ/ψ when both are > 0, else 1; only for tensors with λ ≠ 0 unless trust_all (no-decay
//   tensors then take a plain Adam step, as the fused reference does)
//   θ ← θ − η·trust·u
// Global-norm clipping, which the fused LAMB does internally, is the trainer's (optim.grad_clip).
// Moments are updated in one parallel pass; the norms are summed per tensor in float64 in a fixed
// order and u is recomputed in the second pass, so the step is bitwise independent of the thread count.
#pragma once
#include "optim/optimizer.h"

namespace sf {

struct LambOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-6;
  double clamp_weight_norm = 10.0;  // 0 = no clamp
  bool trust_all = false;
};

class Lamb final : public Optimizer {
 public:
  // State buffers: "exp_avg" (m) and "exp_avg_sq" (v).
  explicit Lamb(std::vector<ParamGroup> groups, LambOptions options = {});

  const char* name() const override { return "LAMB"; }
  void step(double lr) override;
  const LambOptions& options() const { return options_; }

 private:
  LambOptions options_;
  size_t exp_avg_;
  size_t exp_avg_sq_;
};

}  // namespace sf
