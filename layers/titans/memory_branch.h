// The Titans memory branch shared by the LMM, MAG and MAL mixers (spec mixers.md §6.1, §6.4): from the
// input x (B, L, D), per head of width d = D / model.n_head,
//   q, k, v = SiLU(conv(x W_{Q,K,V})), q and k ℓ2-normalised over the head width (conv: model.titans.conv)
//   θ = theta_max σ(x w_θ + c_θ),  η = σ(x w_η + c_η),  α = σ(x w_α + c_α)
// and returns the memory's reads y (B, L, D) (layers/titans/neural_memory.h), the memory's initial weights
// M_0 being a parameter per head. step() is the same one token at a time, through the recurrence.
#pragma once
#include <memory>
#include <vector>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/titans/neural_memory.h"

namespace sf {

class MemoryBranch : public Module {
 public:
  MemoryBranch(const ModelConfig& config, DType dtype);

  Variable forward(const Variable& x) const;  // (B, L, D) -> (B, L, D)

  // Generation, without grad: x_t (B, D) -> y_t (B, D), equal to the row of forward() for the tokens so far.
  // `state` starts empty: the conv window, then the memory cursor's tensors.
  Tensor step(const Tensor& x_t, std::vector<Tensor>& state) const;

  // The pieces, for mixers that read and write the memory in their own order (MAC, layers/titans/mac.h).
  struct Streams {
    Variable q, k, v;  // (N = B·H, L, d)
    MemoryGates gates;  // (N, L)
  };
  // q, k, v and the gates of x (B, L, D); `conv` false skips the convolution (a segment's own outputs).
  Streams project(const Variable& x, bool conv = true) const;
  MemoryState initial_state(int64_t batch) const;  // M_0 per row, no momentum
  const MemoryRule& rule() const { return rule_; }
  Variable merge_heads(const Variable& y, int64_t batch) const;  // (B·H, L, d) -> (B, L, D)

 private:
  // Activations and gates of x (B, L, D), given qkv already convolved (or not).
  Streams streams(const Variable& x, const Variable& qkv) const;
  Variable rows(const Variable& x, int64_t heads_per_token) const;  // (B, L, H·w) -> (B·H, L, w)

  int64_t d_model_, n_head_, head_dim_, kernel_;
  double theta_max_;
  bool conv_, momentum_, forget_;
  MemoryRule rule_;
  std::shared_ptr<Linear> qkv_, gates_;
  Variable conv_weight_, conv_bias_;
  std::vector<Variable> memory_init_;  // M_0: (H, in_l, out_l) per layer
};

}  // namespace sf
