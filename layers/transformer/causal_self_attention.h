// Causal multi-head self-attention (GPT-2, as nanoGPT's CausalSelfAttention): a fused qkv
// projection D -> 3D, H heads of width d_h = D/H, the positional scheme applied to q and k (rope) or
// to the scores (alibi), attention_core, heads merged, output projection D -> D. pos = learned /
// sinusoidal / none need nothing here (the model adds the tables to the embeddings; none relies on
// the mask alone).
//
// A query sees at most W keys, itself and the W − 1 before it: W = model.attn_window when set (a
// sliding-window Transformer, in training too), else model.block_size, which training never notices
// (train.seq_len <= block_size); longer inputs, which only generation makes, attend over that window, in
// forward() and in step() alike, so the two agree at every length.
//
// step() is the KV cache (layers/transformer/kv_cache.h): each token's key and value are computed once,
// when it arrives, and never change: RoPE rotates a key by its own absolute position and the query by its
// own, so scores see only the distance; ALiBi biases by the distance; learned and sinusoidal positions sit
// in the embeddings below. A step costs O(D²) for the projections plus O(min(pos + 1, W)·D), and the cache
// holds W tokens.
// Init: model.init (layers/weight_init.h); wo writes into the residual stream.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/transformer/positional.h"

namespace sf {

class CausalSelfAttention : public Mixer {
 public:
  // `prefix`: the first positions stay visible to every query past the window (Titans' persistent tokens,
  // layers/titans/); such an attention has no step().
  CausalSelfAttention(const ModelConfig& config, DType dtype = DType::f32, int64_t prefix = 0);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)
  // The same with another prefix for this call (a MAC segment's context: persistent and memory tokens).
  Variable forward(const Variable& x, int64_t prefix);

  bool has_step() const override { return prefix_ == 0; }
  // x_t (B, D) at position pos -> (B, D); state = the KV cache {K, V}.
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

 private:
  int64_t n_head_, head_dim_, window_, prefix_;
  PosKind pos_;
  double rope_base_;
  RopeTables rope_;  // block_size rows (pos = rope); longer inputs get fresh tables
  std::shared_ptr<Linear> wqkv_, wo_;
};

// The registry's factory for "attention".
std::shared_ptr<Mixer> make_attention(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
