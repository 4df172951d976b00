// Mamba block (Gu & Dao 2023, §3.4 and Fig. 3; state-spaces/mamba `mamba_simple.py`), E = expand·D:
//   [x, z] = in_proj(X)                      (B, L, 2E)
//   x = SiLU(causal depthwise conv_K(x))     kernel d_conv, with bias (layers/causal_conv.h)
//   [δ, Bm, Cm] = x_proj(x)                  (B, L, R + 2N)
//   Δ = softplus(dt_proj(δ) + dt_bias)       (B, L, E)
//   y = selective_scan(x, Δ, A = −exp(A_log), Bm, Cm, D)
//   out = out_proj(y ⊙ SiLU(z))
// Init as the reference: Linear U(±1/√fan_in), conv U(±1/√K), dt_proj U(±R^−½), softplus(dt_bias)
// log-uniform in [dt_min, dt_max] (≥ 1e-4), A_log = log(1..N), D = 1, out_proj divided by √n_layer.
// The residual and RMSNorm come from the block (model.norm = rmsnorm, model.mlp = none in the
// reference model).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/ssm/ssm_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"
#include "layers/ssm/selective_scan.h"

namespace sf {

class Mamba : public Mixer {
 public:
  Mamba(const ModelConfig& config, int64_t layer_index, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

  // Recurrent form for generation: conv holds the last d_conv − 1 pre-conv inputs (B, K − 1, E),
  // ssm the scan state (B, E, N); both start at zeros. One token costs O(E (K + N) + D E).
  struct State {
    Tensor conv, ssm;
  };
  State initial_state(int64_t batch) const;
  Tensor step(State& state, const Tensor& x_t);  // x_t (B, D) -> (B, D)
  // The Mixer form of it: `state` holds {conv, ssm}.
  bool has_step() const override { return true; }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

  void set_scan_options(const ScanOptions& o) { scan_ = o; }

 private:
  int64_t d_model_, inner_, d_state_, d_conv_, dt_rank_;
  ScanOptions scan_;
  std::shared_ptr<Linear> in_proj_, x_proj_, dt_proj_, out_proj_;
  Variable conv_weight_, conv_bias_, dt_bias_, A_log_, D_;
};

std::shared_ptr<Mixer> make_mamba(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
