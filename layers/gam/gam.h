// Gated Associative Memory mixer (Acharya 2025, arXiv 2509.00605; rishiraj/gam `gam_model.py`; spec
// mixers.md §5.1). On the block's normed input a (B, L, D):
//   local  = causal depthwise conv_k(a) + bias            (layers/causal_conv.h; the only token mixing)
//   global = softmax(a Memᵀ) Mem                          (Mem (M, D) learned; no 1/√D; bank_attention)
//   [g_l, g_g] = a W_g + b_g
//   out    = σ(g_l) ⊙ local + σ(g_g) ⊙ global             (fusion gated; sum: local + global)
// The residual, LayerNorms and GELU MLP come from the block (model.block: transformer), which adds
// this output without dropout, as the reference does. The global path
// reads no other token, so n layers see 1 + (k − 1)·n tokens back, no more.
// Init as the reference (PyTorch defaults): conv weight and bias U(±1/√k), Mem Xavier-uniform
// U(±√(6/(M + D))), gate weight and bias U(±1/√D).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/gam/gam_config.h"
#include "layers/mixer.h"

namespace sf {

class Gam : public Mixer {
 public:
  Gam(const ModelConfig& config, int64_t layer_index, DType dtype = DType::f32);

  Variable forward(const Variable& a) override;  // (B, L, D) -> (B, L, D)

  // Recurrent form: `state` holds the conv window, the last k − 1 inputs (B, k − 1, D); no position needed.
  bool has_step() const override { return true; }
  Tensor step(const Tensor& a_t, int64_t pos, std::vector<Tensor>& state) override;
  // The reference adds the gated paths to the residual without dropout (its MLP branch has one).
  bool dropout_on_output() const override { return false; }

 private:
  // The paths and gates on inputs (..., D), shared by forward and step.
  Variable combine(const Variable& a, const Variable& local) const;

  int64_t d_model_, kernel_, tile_rows_;
  GamFusion fusion_;
  bool local_, global_;
  Variable conv_weight_, conv_bias_, memory_, gate_weight_, gate_bias_;
};

std::shared_ptr<Mixer> make_gam(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
