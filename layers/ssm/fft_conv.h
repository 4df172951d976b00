// Causal long convolution by FFT (spec/mixers.md §2.2–2.3): y[b, t, h] = Σ_{s ≤ t} K[h, t − s] u[b, s, h].
// Both signals are zero-padded to n_fft ≥ 2L (default: the next power of two), so the circular
// convolution the FFT computes equals the linear one on [0, L) and nothing flows from the future.
// Backward: du = correlation of dy with K, dK = Σ_b correlation of dy with u (conjugate spectra).
// CPU FFT: Eigen's FFT module (kissfft backend, BSD-style licence).
#pragma once
#include "autograd/function.h"

namespace sf {

// u (B, L, H), K (H, L) -> (B, L, H). n_fft = 0 picks the power of two ≥ 2L; a smaller n_fft
// (tests only) gives the circular, non-causal result.
Variable causal_fft_conv(const Variable& u, const Variable& K, int64_t n_fft = 0);

}  // namespace sf
