// The gated long convolutions of the M2 sequence mixer (spec mixers.md §4.2 steps 3, 5-7) as one autograd
// op with a hand-written backward. With [x1, x2, v] = p, the short conv's output (B, L, 3D):
//   v' = v ⊙ x1
//   y  = (conv(v', k) + β ⊙ v') ⊙ x2 + conv(u, k2) + β2 ⊙ u      (the last two terms: residual_long_conv)
// conv is the causal FFT convolution of layers/ssm/fft_conv.h (zero-padded to n ≥ 2L). Per group of 16
// channels (layers/ssm/lane_fft.h) every element-wise step runs in the loops that feed and drain the FFTs,
// so no (B, L, D) intermediate but y and the gated sum (kept for dx2) is written; the filter spectra are
// computed once per step, the signal spectra kept for the filter gradients. The composite of primitive
// ops (m2_gated_long_conv_composite with causal_fft_conv) is its oracle in tests.
#pragma once
#include <functional>

#include "autograd/function.h"

namespace sf {

// p (B, L, 3D) -> y (B, L, D); k, k2 (D, L) with any strides (the implicit filters); beta, beta2 (D);
// u (B, L, D). k2, beta2 and u undefined: no residual long conv.
Variable m2_gated_long_conv(const Variable& p, const Variable& k, const Variable& beta, const Variable& u,
                            const Variable& k2, const Variable& beta2);

// The same from a long convolution conv(u (B, L, D), k (D, L)) and element-wise ops: with causal_fft_conv
// the oracle in tests, with the Monarch-DFT convolution the model.m2.fft: monarch mixer.
using LongConv = std::function<Variable(const Variable&, const Variable&)>;
Variable m2_gated_long_conv_composite(const Variable& p, const Variable& k, const Variable& beta, const Variable& u,
                                      const Variable& k2, const Variable& beta2, const LongConv& conv);

}  // namespace sf
