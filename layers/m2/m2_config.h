// model.m2: the keys of the causal Monarch Mixer sequence mixer (layers/m2/m2_mixer.h), registered with
// it in layers/m2/registration.cpp. Defaults are the M2-BERT 80M configuration's (spec mixers.md §4.2).
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/validator.h"

namespace sf {

// How the long convolutions are computed: Eigen's FFT (O(L log L)), or the DFT written as a Monarch
// matrix (O(L^{3/2}), batched GEMMs; layers/m2/monarch_conv.h). Same result up to round-off.
enum class M2Fft { fft, monarch };
constexpr std::array<std::string_view, 2> enum_names(M2Fft) { return {"fft", "monarch"}; }

struct M2Config {
  int64_t filter_order = 128;     // hidden width of the implicit filter's MLP
  int64_t filter_emb = 5;         // positional features: t, then (emb − 1)/2 cos/sin pairs
  double filter_freq = 10.0;      // initial frequency w of the filter MLP's sin(w·x) activation
  int64_t short_kernel = 3;       // causal depthwise convolution on the 3D projections
  bool residual_long_conv = true;  // a second long convolution of the block input, added after the gate
  // The reference's optimizer settings for the filter (hyena_utils.py), passed as parameter hints.
  double filter_lr = 1e-3;            // the filter MLP's peak learning rate; 0 = optim.lr
  double filter_weight_decay = 0.1;   // the filter MLP's weight decay (biases and frequencies too)
  double pos_lr = 1e-5;               // the positional features' learning rate; 0 = fixed features
  M2Fft fft = M2Fft::fft;

  template <class V>
  void visit(V& v) {
    v("filter_order", filter_order, "hidden width of the implicit long-filter MLP");
    v("filter_emb", filter_emb, "positional features of the filter: t plus (filter_emb - 1)/2 cos/sin pairs; odd, >= 3");
    v("filter_freq", filter_freq, "initial frequency of the filter MLP's sin(w x) activation");
    v("short_kernel", short_kernel, "width of the causal depthwise convolution on the in-projections");
    v("residual_long_conv", residual_long_conv, "add a long convolution of the block input after the gate");
    v("filter_lr", filter_lr, "peak learning rate of the filter MLP (scheduled like optim.lr); 0 = optim.lr");
    v("filter_weight_decay", filter_weight_decay, "weight decay of the filter MLP, biases and frequencies included");
    v("pos_lr", pos_lr, "learning rate of the filter's positional features (trained, no decay); 0 = fixed features");
    v("fft", fft,
      "how the long convolutions are computed: fft (Eigen FFT, O(L log L)) or monarch (the DFT as a Monarch "
      "matrix, O(L^1.5) in batched GEMMs); the same result up to round-off");
  }
  void validate(const Validator& v) const;
  bool operator==(const M2Config&) const = default;
};

}  // namespace sf
