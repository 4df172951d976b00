// ParaGRU / ParaLSTM mixers (ParaRNN, Danieli et al. 2025), state width d = model.n_embd, in one of two
// forms picked by model.rnn.block:
//   cell  — the "†" form of the paper's synthetic table: the cell alone, D -> D.
//   gated — the paper's RNN block (Fig. 9, App. C.1), a = the block's normalised input:
//             [u, z] = a W_in                       in_proj, D -> 2d, no bias
//             u = SiLU(causal_depthwise_conv_K(u))  K = model.rnn.d_conv, with bias
//             y = Cell(u)                           the cell below, d -> d
//             y = RMSNorm(y) ⊙ SiLU(z)              gated RMSNorm, learned weight (norm, then gate)
//             out = y W_out                         out_proj, d -> D, no bias
//           Linear and conv weights start as PyTorch's defaults, U(±1/√fan_in). The paper's learned
//           residual scale x ← s ⊙ x + out sits on the skip path, which is the block's: turn on
//           model.residual_scale (layers/transformer_block.h) with this form.
// The block around either form adds the pre-norm, the residual and the MLP (unless model.mlp = none).
//
// Cell: input map block-diagonal over model.rnn.heads heads, w_in (heads, d/heads, 3, d/heads), plus a
// bias b (3, d). Recurrence: diagonal a (3, d) and, for the LSTM, peepholes cp (2, d).
// model.rnn.mode picks the sequential loop or ParaRNN's Newton solve (layers/rnn/pararnn.h).
// Init (repo defaults, utils/init.py, except b): a, cp ~ N(0, (2/√(5d))²); w_in Xavier-uniform with
// fan_in = d/heads, fan_out = d; b = 0 except the first gate's row (GRU z, LSTM f), which is
// ±(2 + 4j/(d − 1)) for unit j (GRU −, LSTM +): per-step keep rates σ(2..6) ∈ [0.88, 0.9975].
// model.rnn.a_clamp > 0 clamps |a|, |cp| elementwise in forward (the paper's norm bound, read per unit).
#pragma once
#include <memory>
#include <vector>

#include "config/run_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/rms_norm.h"
#include "layers/rnn/pararnn.h"

namespace sf {

class ParaRnnMixer : public Mixer {
 public:
  ParaRnnMixer(ParaCellKind kind, const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

  // Generation: x_t (B, D) -> y_t (B, D). `state` starts empty (zeros) and is updated: [0] the cell
  // state, GRU h (B, d) or LSTM [c; h] (B, 2, d); gated form also [1] the conv window (B, K − 1, d).
  bool has_step() const override { return true; }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

  void set_options(const ParaRnnOptions& options) { options_ = options; }
  const ParaRnnOptions& options() const { return options_; }
  const NewtonStats& last_stats() const { return stats_; }
  // Parallel mode: the last forward's Newton iterations and final residual (max over the batch).
  Diagnostics diagnostics() const override;

 private:
  Variable cell(const Variable& u);                      // (B, L, d) -> (B, L, d)
  Tensor cell_step(const Tensor& u_t, Tensor& h) const;  // (B, d) -> (B, d); h allocated when undefined
  Variable gate_inputs(const Variable& x) const;         // (B, L, d) -> (B, L, 3, d)
  Variable clamped(const Variable& p) const;

  ParaCellKind kind_;
  RnnBlock block_;
  int64_t heads_, d_, d_conv_;
  double a_clamp_;
  ParaRnnOptions options_;
  NewtonStats stats_;
  Variable w_in_, b_, a_, cp_;
  // Gated form only.
  std::shared_ptr<Linear> in_proj_, out_proj_;
  std::shared_ptr<RMSNorm> out_norm_;
  Variable conv_weight_, conv_bias_;
};

// The registry's factories for "paragru" and "paralstm".
std::shared_ptr<Mixer> make_paragru(const ModelConfig& config, int64_t layer_index, DType dtype);
std::shared_ptr<Mixer> make_paralstm(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
