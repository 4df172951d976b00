// model.ssm: the keys of the state space mixers (s4d, s4, mamba), registered with them in
// layers/ssm/registration.cpp. The model width is model.n_embd. A mixer reads it as
// config.section<SsmConfig>().
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/validator.h"

namespace sf {

enum class SsmInit { s4d_lin, s4d_inv, legs };
constexpr std::array<std::string_view, 3> enum_names(SsmInit) { return {"s4d_lin", "s4d_inv", "legs"}; }

struct SsmConfig {
  int64_t d_state = 16;
  int64_t d_conv = 4;
  int64_t expand = 2;
  int64_t dt_rank = 0;
  double dt_min = 0.001;
  double dt_max = 0.1;
  SsmInit init = SsmInit::s4d_lin;
  int64_t chunk = 64;

  template <class V>
  void visit(V& v) {
    v("d_state", d_state, "state size N (s4d/s4: N/2 complex modes)");
    v("d_conv", d_conv, "mamba: width of the causal depthwise convolution");
    v("expand", expand, "mamba: inner width = expand * n_embd");
    v("dt_rank", dt_rank, "mamba: rank of the step-size projection; 0 = ceil(n_embd / 16)");
    v("dt_min", dt_min, "smallest initial step size");
    v("dt_max", dt_max, "largest initial step size");
    v("init", init, "s4d/s4: initialisation of A (s4d_lin, s4d_inv; legs = HiPPO-LegS, s4 only)");
    v("chunk", chunk, "mamba: time steps per chunk of the selective scan (backward checkpoints)");
  }
  void validate(const Validator& v) const;
  bool operator==(const SsmConfig&) const = default;
};

}  // namespace sf
