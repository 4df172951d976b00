// ParaGRU / ParaLSTM mixers (spec/mixers.md §7.2): the "†" form of the paper's synthetic table,
// the cell alone (D -> D, state width d = model.n_embd); the surrounding block adds norm, residual
// and MLP. Input map: block-diagonal over model.rnn.heads heads, w_in (heads, D/heads, 3, d/heads),
// plus a bias b (3, d). Recurrence: diagonal a (3, d) and, for the LSTM, peepholes cp (2, d).
// model.rnn.mode picks the sequential loop or ParaRNN's Newton solve (layers/rnn/pararnn.h).
//
// Init (repo defaults, utils/init.py): a, cp ~ N(0, (2/√(5d))²); w_in Xavier-uniform with
// fan_in = D/heads, fan_out = d; b = 0 except the first gate's row (GRU z, LSTM f) = −linspace(0, 1, d).
// model.rnn.a_clamp > 0 clamps |a|, |cp| elementwise in forward (the paper's norm bound, read per unit).
#pragma once
#include <memory>
#include <vector>

#include "config/run_config.h"
#include "layers/mixer.h"
#include "layers/rnn/pararnn.h"

namespace sf {

class ParaRnnMixer : public Mixer {
 public:
  ParaRnnMixer(ParaCellKind kind, const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

  // Generation: x_t (B, D) -> y_t (B, D); `state` starts empty (zeros) and is updated.
  Tensor step(const Tensor& x_t, std::vector<Tensor>& state);

  void set_options(const ParaRnnOptions& options) { options_ = options; }
  const ParaRnnOptions& options() const { return options_; }
  const NewtonStats& last_stats() const { return stats_; }

 private:
  Variable gate_inputs(const Variable& x) const;  // (B, L, D) -> (B, L, 3, d)
  Variable clamped(const Variable& p) const;

  ParaCellKind kind_;
  int64_t heads_, d_;
  double a_clamp_;
  ParaRnnOptions options_;
  NewtonStats stats_;
  Variable w_in_, b_, a_, cp_;
};

// The registry's factories for "paragru" and "paralstm".
std::shared_ptr<Mixer> make_paragru(const ModelConfig& config, int64_t layer_index, DType dtype);
std::shared_ptr<Mixer> make_paralstm(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
