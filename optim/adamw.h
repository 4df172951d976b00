// AdamW (Loshchilov & Hutter), exactly as PyTorch 1.13's torch.optim.AdamW (amsgrad off).
//
// Per parameter θ with gradient g, group weight decay λ and learning rate η, at step t (from 1):
//   θ ← θ·(1 − ηλ)                                   decoupled decay, applied first
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   θ ← θ − (η / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε)
// The whole step is one fused pass over memory: a single parallel loop over all parameters'
// elements reads θ, g, m, v once and writes θ, m, v once, in the parameter's dtype (float32 or
// float64). Unlike PyTorch, t is the optimizer's step count, shared by all parameters: a parameter
// that skipped steps (no gradient) still uses it for bias correction. Parameters on a GPU take the same
// element update (optim/adamw_math.h) in one CUDA launch, float32 only.
#pragma once
#include "optim/optimizer.h"

namespace sf {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class AdamW final : public Optimizer {
 public:
  // State buffers: "exp_avg" (m) and "exp_avg_sq" (v).
  explicit AdamW(std::vector<ParamGroup> groups, AdamWOptions options = {});

  const char* name() const override { return "AdamW"; }
  void step(double lr) override;
  const AdamWOptions& options() const { return options_; }

 private:
  // The same step for parameters on a GPU: float32, all on one device, one kernel launch.
  void step_cuda(double lr, double bias_correction1, double bias_correction2_sqrt);
  AdamWOptions options_;
  size_t exp_avg_;
  size_t exp_avg_sq_;
};

}  // namespace sf
