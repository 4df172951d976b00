// S4 mixer (Gu, Goel & Ré 2022; the original S4 layer, s4 `SSKernelNPLR` with HiPPO-LegS): the S4D
// block (FFT convolution + D_skip, then GELU and a GLU projection) with a diagonal-plus-low-rank
// state matrix Λ − P P* and a learnt input vector B. Its kernel is computed for l_max =
// model.block_size, because the learnt C̃ belongs to one kernel length (as in the reference), and
// shorter sequences use its prefix; longer ones are refused.
// Parameters: those of S4D plus P, B (D, N/2, 2); init from hippo_legs_nplr(N) in every channel.
#pragma once
#include "layers/ssm/s4_kernel.h"
#include "layers/ssm/s4d.h"

namespace sf {

class S4 : public S4D {
 public:
  S4(const ModelConfig& config, DType dtype = DType::f32);

  Variable kernel(int64_t L) const override;  // (D, L), L <= l_max

  // Recurrent form over the full state: (B, D, N, 2) starts at zeros, x_t (B, D) -> (B, D).
  Tensor initial_state(int64_t batch) const override;
  Tensor step(Tensor& state, const Tensor& x_t) override;
  // The Mixer form discretises once per decode (when `state` starts empty), not once per token.
  Tensor step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) override;

 private:
  S4Recurrence recurrence() const;
  Tensor step(const S4Recurrence& r, Tensor& state, const Tensor& x_t);

  int64_t l_max_;
  Variable P_, B_;
  S4Recurrence decode_;  // the discretisation of the decode in progress
};

std::shared_ptr<Mixer> make_s4(const ModelConfig& config, int64_t layer_index, DType dtype);

}  // namespace sf
