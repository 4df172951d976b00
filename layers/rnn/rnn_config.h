// model.rnn: the keys of the recurrent mixers (lstm, gru, paragru, paralstm), registered with them in
// layers/rnn/registration.cpp. The hidden width is model.n_embd. A mixer reads it as
// config.section<RnnConfig>().
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/validator.h"

namespace sf {

enum class RnnMode { sequential, parallel };
enum class RnnBlock { cell, gated };
constexpr std::array<std::string_view, 2> enum_names(RnnMode) { return {"sequential", "parallel"}; }
constexpr std::array<std::string_view, 2> enum_names(RnnBlock) { return {"cell", "gated"}; }

struct RnnConfig {
  RnnMode mode = RnnMode::parallel;
  int64_t max_newton_iters = 6;
  double tol = 1e-6;
  int64_t heads = 4;
  int64_t layers = 1;
  double a_clamp = 0.0;
  int64_t chunk = 64;
  RnnBlock block = RnnBlock::cell;
  int64_t d_conv = 4;

  template <class V>
  void visit(V& v) {
    v("mode", mode, "ParaGRU/ParaLSTM: sequential loop, or Newton + parallel reduction (ParaRNN)");
    v("max_newton_iters", max_newton_iters, "parallel mode: most Newton iterations per forward");
    v("tol", tol, "parallel mode: stop when max |h_l - f(h_{l-1}, x_l)| <= tol");
    v("heads", heads, "ParaGRU/ParaLSTM: input-map heads (block-diagonal B); must divide n_embd");
    v("layers", layers, "lstm/gru: stacked recurrent layers inside one mixer");
    v("a_clamp", a_clamp, "ParaGRU/ParaLSTM: clamp |a|, |cp| elementwise to this in forward; 0 = off");
    v("chunk", chunk, "parallel mode: time steps per chunk of the two-level scan");
    v("block", block,
      "ParaGRU/ParaLSTM: cell = the cell alone (the paper's mixer-only form); gated = the paper's block: "
      "in-projection, causal conv, SiLU, cell, gated RMSNorm, out-projection");
    v("d_conv", d_conv, "ParaGRU/ParaLSTM gated block: width of the causal depthwise convolution");
  }
  void validate(const Validator& v) const;
  bool operator==(const RnnConfig&) const = default;
};

}  // namespace sf
