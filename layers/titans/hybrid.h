// Titans' memory combined with sliding-window attention (spec mixers.md §6.4), on the block's normed input x
// (B, L, D) with the persistent tokens P in front (x̃ = [P ‖ x]); attention is causal within model.attn_window
// (0: all earlier tokens) and always sees P, RoPE when model.pos is rope:
//   MAG (memory as a gate):  y = SWA(x̃),  m = M(x̃),  o = (RMSNorm_a(y) ⊙ σ(RMSNorm_b(m))) W_out
//   MAL (memory as a layer): o = SWA(RMSNorm(M(x̃)))
// M is the memory branch (layers/titans/memory_branch.h), the same as titans_lmm's. The gate form of MAG is our
// reading of the paper's "normalise both with learnable vectors, then a non-linearity"; MAL's norm keeps the
// memory's reads at the scale attention's projections were initialised for. Neither has a step(): with the
// persistent prefix the KV cache would need the prefix pinned, so generation recomputes.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/rms_norm.h"
#include "layers/titans/memory_branch.h"
#include "layers/transformer/causal_self_attention.h"

namespace sf {

class TitansHybrid : public Mixer {
 public:
  enum class Kind { gate, layer };
  TitansHybrid(Kind kind, const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

 private:
  Kind kind_;
  std::shared_ptr<MemoryBranch> memory_;
  std::shared_ptr<CausalSelfAttention> attention_;
  std::shared_ptr<RMSNorm> norm_a_, norm_b_;
  std::shared_ptr<Linear> out_;
  Variable persistent_;
};

std::shared_ptr<Mixer> make_titans_mag(const ModelConfig& config, int64_t layer_index, DType dtype);
std::shared_ptr<Mixer> make_titans_mal(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
