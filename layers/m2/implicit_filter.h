// The implicit long filter of Hyena / M2 (HazyResearch/m2 `hyena_utils.py`; spec mixers.md §4.2 step 4):
// a filter k (D, L) generated from positions rather than stored per tap. Positional features
//   z[t] = [t/(L−1), cos(2π f_j t/L), −sin(2π f_j t/L)],  f_j = linspace(1e-4, J − 1, J), J = (emb − 1)/2,
// an MLP emb → order → order → order → D whose three activations are one shared sin(w ⊙ x) (w learned,
// init filter_freq), the last layer without bias, then an exponential window exp(−t/(L−1) · |δ_d|) with δ_d
// spaced linearly from log(1e-2)/1.5 to log(1e-2)/0.3 over channels (fixed). Features are laid out for
// L = model.block_size and cut to a shorter input's length, so a token's filter taps do not depend on
// how long the input is (causal generation sees the same filter). As in the reference, the features are
// a parameter trained at model.m2.pos_lr without decay (fixed when it is 0), and the MLP (its layers and
// frequencies) trains at filter_lr with filter_weight_decay: parameter hints, layers/param_hint.h.
#pragma once
#include "layers/linear.h"
#include "layers/m2/m2_config.h"

namespace sf {

class ImplicitFilter : public Module {
 public:
  ImplicitFilter(int64_t channels, int64_t max_len, const M2Config& config, DType dtype = DType::f32);
  Variable forward(int64_t length) const;  // (D, length) (a transposed view), length <= max_len

 protected:
  void on_device_change(Device device) override;  // the window and constant positional features

 private:
  int64_t channels_, max_len_;
  Variable z_;     // (max_len, emb) positional features: a parameter, or a constant when pos_lr is 0
  Tensor window_;  // (max_len, D)
  std::shared_ptr<Linear> in_, hidden1_, hidden2_, out_;
  Variable freq_;  // (order), shared by the three activations
};

}  // namespace sf
