// Dense LSTM / GRU mixers: model.rnn.layers stacked recurrent layers of width
// H = model.n_embd with PyTorch's parameter names and init U(±1/√H), so weights map 1:1 to
// nn.LSTM / nn.GRU (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}).
#pragma once
#include <memory>
#include <vector>

#include "config/run_config.h"
#include "layers/rnn/rnn_config.h"
#include "layers/mixer.h"
#include "layers/rnn/dense_rnn.h"

namespace sf {

class DenseRnnMixer : public Mixer {
 public:
  DenseRnnMixer(DenseCellKind kind, const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, H) -> (B, L, H)

  // Generation: x_t (B, H) -> y_t (B, H); `state` starts empty (zeros) and is updated.
  bool has_step() const override { return true; }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

 private:
  struct Layer {
    Variable w_ih, w_hh, b_ih, b_hh;
  };
  DenseCellKind kind_;
  int64_t hidden_;
  std::vector<Layer> layers_;
};

// The registry's factories for "lstm" and "gru".
std::shared_ptr<Mixer> make_lstm(const ModelConfig& config, int64_t layer_index, DType dtype);
std::shared_ptr<Mixer> make_gru(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
