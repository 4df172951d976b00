// SGD with momentum, exactly as PyTorch 1.13's torch.optim.SGD with dampening 0.
//
// Per parameter θ with gradient g, group weight decay λ and learning rate η:
//   d ← g + λθ                      (coupled L2 decay, only when λ > 0)
//   b ← μ·b + d                     (momentum buffer; b = d on the first step)
//   d ← d + μ·b if Nesterov, else d ← b
//   θ ← θ − η·d
// With μ = 0 there is no buffer and no state besides the step count. Like AdamW the step is one
// parallel loop over all parameters' elements.
#pragma once
#include "optim/optimizer.h"

namespace sf {

struct SgdOptions {
  double momentum = 0.0;
  bool nesterov = false;  // needs momentum > 0
};

class Sgd final : public Optimizer {
 public:
  // State buffer: "momentum_buffer" when momentum > 0.
  explicit Sgd(std::vector<ParamGroup> groups, SgdOptions options = {});

  const char* name() const override { return "SGD"; }
  void step(double lr) override;
  const SgdOptions& options() const { return options_; }

 private:
  // The same step for parameters on a GPU: float32, all on one device, one kernel launch.
  void step_cuda(double lr);
  SgdOptions options_;
  size_t momentum_buffer_ = 0;  // valid when momentum > 0
};

}  // namespace sf
