// S4D mixer (Gu et al. 2022, "On the Parameterization and Initialization of Diagonal State Space
// Models"; state-spaces/s4 `models/s4/s4d.py`, block of `example.py`): a bank of D diagonal SSMs
// applied as a causal FFT convolution with the kernel of s4d_kernel, plus the D_skip term, then GELU and a
// pointwise D → 2D projection with GLU. The residual, norm and dropout come from the block.
// Parameters: log_dt (D), log_A_real (D, N/2), A_imag (D, N/2), C (D, N/2, 2), D_skip (D), out.
// Init: log_dt ~ U(log dt_min, log dt_max), Re A = −1/2, Im A by model.ssm.init (S4D-Lin π n,
// S4D-Inv (N/π)(N/(2n+1) − 1)), C ~ N(0, 1/2) per part, D_skip ~ N(0, 1), out U(±1/√D).
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/ssm/ssm_config.h"
#include "layers/linear.h"
#include "layers/mixer.h"

namespace sf {

class S4D : public Mixer {
 public:
  S4D(const ModelConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) override;  // (B, L, D) -> (B, L, D)

  // Recurrent form for generation: state (B, D, N/2, 2) starts at zeros, x_t (B, D) -> (B, D).
  virtual Tensor initial_state(int64_t batch) const;
  virtual Tensor step(Tensor& state, const Tensor& x_t);
  // The Mixer form of it: `state` holds the one state tensor.
  bool has_step() const override { return true; }
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

  virtual Variable kernel(int64_t L) const;  // (D, L)
  // The SSM part before GELU/GLU: y = K * u + D_skip ⊙ u (tests compare it with the recurrence).
  Variable ssm(const Variable& u, int64_t n_fft = 0) const;

 protected:
  // For S4, whose A starts from HiPPO-LegS (model.ssm.init = legs) and which adds P and B.
  S4D(const ModelConfig& config, DType dtype, bool legs);
  Variable output(const Variable& y) const;  // GELU, projection, GLU

  int64_t width_, modes_;
  Variable log_dt_, log_A_real_, A_imag_, C_, D_;
  std::shared_ptr<Linear> out_;
};

std::shared_ptr<Mixer> make_s4d(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
