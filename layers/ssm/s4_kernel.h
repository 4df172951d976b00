// The S4 convolution kernel with a diagonal-plus-low-rank state matrix (S4: Gu, Goel & Ré 2022,
// Algorithm 1; s4 `SSKernelNPLR`), built from differentiable ops, and its recurrent form.
//
// Per channel h (N/2 kept modes n of N; the rest are their conjugates): Ã = Λ − P P* with
// Λ = −exp(log_A_real) + i A_imag, bilinear discretisation with step Δ = exp(log_dt), learnt C̃
// (the C of the length-L truncated kernel, C̃ = C (I − Ā^L)). The kernel's spectrum at the roots of
// unity ω_k = e^{−2πik/L} is, with q = (2/Δ)(1 − ω), s = 1 + ω and
// S(v) = Σ_n v_n / (q − sΛ_n) + conj(v_n) / (q − s conj Λ_n) (a Cauchy sum over both halves):
//   K̂(ω) = 2 [S(C̃B) − s S(C̃P) S(conj(P)B) / (1 + s S(|P|²))]   (Woodbury for the rank-1 term),
// and K = irfft(K̂, L). This form has no pole at ω = −1 (where 2/(1 + ω) of the paper's form has).
#pragma once
#include <complex>
#include <vector>

#include "autograd/function.h"

namespace sf {

// log_dt (H), log_A_real (H, M), A_imag (H, M), P, B, C (H, M, 2) as (re, im) -> K (H, L).
Variable s4_dplr_kernel(const Variable& log_dt, const Variable& log_A_real, const Variable& A_imag,
                        const Variable& P, const Variable& B, const Variable& C, int64_t L);

// The recurrence whose first L outputs the kernel of length L gives: x_t = Ā x_{t−1} + B̄ u_t,
// y_t = Re(C x_t) over the full N = 2M complex state, with Ā = (I − Δ/2 Ã)^{−1}(I + Δ/2 Ã),
// B̄ = (I − Δ/2 Ã)^{−1} Δ B and C from C̃ (I − Ā^L)^{−1}. Dense N × N per channel, in double
// precision, no autograd (generation and tests).
struct S4Recurrence {
  int64_t H = 0, N = 0;
  std::vector<std::complex<double>> A_bar, B_bar, C;  // (H, N, N), (H, N), (H, N)
};
S4Recurrence s4_recurrence(const Tensor& log_dt, const Tensor& log_A_real, const Tensor& A_imag, const Tensor& P,
                           const Tensor& B, const Tensor& C, int64_t L);

// One step for a batch: state (batch, H, N, 2) advanced in place by u_t (batch, H); returns y_t (batch, H).
Tensor s4_step(Tensor& state, const S4Recurrence& r, const Tensor& u_t);

}  // namespace sf
