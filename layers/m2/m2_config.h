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
  M2Fft fft = M2Fft::fft;

  template <class V>
  void visit(V& v) {
    v("filter_order", filter_order, "hidden width of the implicit long-filter MLP");
    v("filter_emb", filter_emb, "positional features of the filter: t plus (filter_emb - 1)/2 cos/sin pairs; odd, >= 3");
    v("filter_freq", filter_freq, "initial frequency of the filter MLP's sin(w x) activation");
    v("short_kernel", short_kernel, "width of the causal depthwise convolution on the in-projections");
    v("residual_long_conv", residual_long_conv, "add a long convolution of the block input after the gate");
    v("fft", fft,
      "how the long convolutions are computed: fft (Eigen FFT, O(L log L)) or monarch (the DFT as a Monarch "
      "matrix, O(L^1.5) in batched GEMMs); the same result up to round-off");
  }
  void validate(const Validator& v) const;
  bool operator==(const M2Config&) const = default;
};

}  // namespace sf
