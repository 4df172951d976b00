// Causal Monarch Mixer sequence mixer (Fu et al. 2023; HazyResearch/m2 `monarch_mixer_sequence_mixer.py`
// with a forward-only filter; spec mixers.md §4.2). On the block's normed input u (B, L, D):
//   [x1, x2, v] = u W_in + b_in                       (D -> 3D)
//   [x1, x2, v] = causal depthwise conv_k(·) + bias    (all 3D channels, kernel model.m2.short_kernel)
//   v ← v ⊙ x1
//   y = conv(v, k) + β ⊙ v                             (k (D, L) from the implicit filter; causal, size ≥ 2L)
//   y ← y ⊙ x2
//   y ← y + conv(u, k2) + β2 ⊙ u                        (model.m2.residual_long_conv)
//   out = y W_out + b_out
// The steps after the short conv are one fused op around causal FFT convolutions (layers/m2/gated_long_conv.h),
// or with model.m2.fft: monarch its composite form with the Monarch-DFT convolution (layers/m2/monarch_conv.h).
// The residual, norm and channel mixer come from the block. Init: projections U(±1/√D) with U(±1/√D)
// biases (PyTorch Linear defaults), conv U(±1/√k), β and β2 N(0, 1) as the reference.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/m2/implicit_filter.h"
#include "layers/m2/monarch_conv.h"
#include "layers/mixer.h"

namespace sf {

class M2Mixer : public Mixer {
 public:
  M2Mixer(const ModelConfig& config, int64_t layer_index, DType dtype = DType::f32);
  Variable forward(const Variable& u) override;  // (B, L, D) -> (B, L, D), L <= model.block_size

 private:
  int64_t d_model_;
  bool residual_;
  M2Fft fft_;
  MonarchConv monarch_;  // the DFT factors per length, for fft: monarch
  Variable w_in_, b_in_, conv_weight_, conv_bias_, beta_, beta2_, w_out_, b_out_;
  std::shared_ptr<ImplicitFilter> filter_, filter2_;
};

std::shared_ptr<Mixer> make_m2(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
