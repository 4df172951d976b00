// Titans (LMM): the neural memory alone as the sequence mixer (spec mixers.md §6.4). On the block's normed
// input x (B, L, D): the learned persistent tokens P (model.titans.persistent × D) go in front, the memory
// branch (layers/titans/memory_branch.h) reads and writes over [P ‖ x], and the rows of x come out through
//   o = (RMSNorm(y) ⊙ SiLU(x W_gate)) W_out.
// The residual and MLP come from the block. Causal: P is the same for every sequence.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/rms_norm.h"
#include "layers/titans/memory_branch.h"

namespace sf {

class TitansLmm : public Mixer {
 public:
  TitansLmm(const ModelConfig& config, int64_t layer_index, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

  // Recurrent form: the memory's state and conv window; at pos 0 the persistent tokens are written first.
  bool has_step() const override { return true; }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

 private:
  Variable output(const Variable& y, const Variable& x) const;  // the gate and projection

  int64_t d_model_, n_persistent_;
  std::shared_ptr<MemoryBranch> memory_;
  std::shared_ptr<RMSNorm> norm_;
  std::shared_ptr<Linear> gate_, out_;
  Variable persistent_;
};

std::shared_ptr<Mixer> make_titans_lmm(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
