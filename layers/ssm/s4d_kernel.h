// The S4D convolution kernel (S4D paper §3; s4 `s4d.py`) as one fused autograd op, and the ZOH
// discretisation that the recurrent step uses.
//
// Per channel h and mode n (N/2 complex modes): Δ = exp(log_dt), A = −exp(log_A_real) + i A_imag,
// C̃ = C (exp(ΔA) − 1) / A, and K[h, l] = 2 Re Σ_n C̃ exp(l ΔA) for l < L, with exp(l ΔA) computed
// directly (not by repeated products) so that its modulus does not drift. Backward is in closed
// form (two more Vandermonde sums, Σ_l dK[l] z^l and Σ_l l dK[l] z^l with z = exp(ΔA)).
#pragma once
#include "autograd/function.h"

namespace sf {

// log_dt (H), log_A_real (H, M), A_imag (H, M), C (H, M, 2) as (re, im) -> K (H, L).
Variable s4d_kernel(const Variable& log_dt, const Variable& log_A_real, const Variable& A_imag, const Variable& C,
                    int64_t L);

// The recurrence x_t = Ā x_{t−1} + B̄ u_t, y_t = 2 Re(C x_t) with Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A,
// each (H, M, 2) as (re, im). No autograd (generation).
struct S4dDiscrete {
  Tensor A_bar, B_bar;
};
S4dDiscrete s4d_discretise(const Tensor& log_dt, const Tensor& log_A_real, const Tensor& A_imag);

// One step for a batch: state (B, H, M, 2) is advanced in place by u_t (B, H); returns 2 Re(C x_t) (B, H).
Tensor s4d_step(Tensor& state, const S4dDiscrete& d, const Tensor& C, const Tensor& u_t);

}  // namespace sf
