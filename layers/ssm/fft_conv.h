// Causal long convolution by FFT (as in S4/S4D): y[b, t, h] = Σ_{s ≤ t} K[h, t − s] u[b, s, h].
// Both signals are zero-padded to n_fft ≥ 2L (default: the next power of two), so the circular
// convolution the FFT computes equals the linear one on [0, L) and nothing flows from the future.
// Backward: du = correlation of dy with K, dK = Σ_b correlation of dy with u (conjugate spectra).
// CPU FFTs: the convolution transforms 16 float (8 double) channels at once, one per SIMD lane
// (layers/ssm/lane_fft.h), and keeps the input and kernel spectra for backward; irfft uses Eigen's FFT
// module (kissfft backend, BSD-style licence).
#pragma once
#include "autograd/function.h"

namespace sf {

// The transform size for L taps: the power of two >= 2L (and >= 2).
int64_t fft_conv_size(int64_t L);

// u (B, L, H), K (H, L) (any strides) -> (B, L, H). n_fft = 0 picks the power of two ≥ 2L; a smaller
// power of two ≥ L (tests only) gives the circular, non-causal result.
Variable causal_fft_conv(const Variable& u, const Variable& K, int64_t n_fft = 0);

// Inverse real FFT along the last dim: a half spectrum (re, im), each (..., n/2 + 1), -> the real
// signal (..., n) with x[t] = (1/n) Σ_k X_k e^{2πikt/n} over the Hermitian extension of X. The
// imaginary parts of bin 0 and (n even) bin n/2 do not enter the signal and get zero gradient.
// Backward: d Re X_k = (c_k/n) Re rfft(dx)_k, d Im X_k = (c_k/n) Im rfft(dx)_k, c_k = 2 for the
// bins that stand for a conjugate pair, 1 for the self-conjugate ones.
Variable irfft(const Variable& re, const Variable& im, int64_t n);

}  // namespace sf
