// Causal multi-head self-attention (GPT-2, as nanoGPT's CausalSelfAttention): a fused qkv
// projection D -> 3D, H heads of width d_h = D/H, the positional scheme applied to q and k (rope) or
// to the scores (alibi), attention_core, heads merged, output projection D -> D. pos = learned /
// sinusoidal / none need nothing here (the model adds the tables to the embeddings; none relies on
// the mask alone).
// Init: wqkv N(0, init_std²); wo, which writes into the residual stream, N(0, (init_std/√(2·n_layer))²).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/transformer/positional.h"

namespace sf {

class CausalSelfAttention : public Mixer {
 public:
  CausalSelfAttention(const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

 private:
  int64_t n_head_, head_dim_;
  PosKind pos_;
  double rope_base_;
  RopeTables rope_;  // block_size rows (pos = rope); longer inputs get fresh tables
  std::shared_ptr<Linear> wqkv_, wo_;
};

// The registry's factory for "attention".
std::shared_ptr<Mixer> make_attention(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
