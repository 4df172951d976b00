// HiPPO-LegS in normal-plus-low-rank form (S4: Gu, Goel & Ré 2022, Theorem 1; s4 `transition('legs')`,
// `nplr`).
//
// The LegS matrix A (N × N, A[n,k] = −√((2n+1)(2k+1)) for n > k, −(n+1) on the diagonal, 0 above)
// and B[n] = √(2n+1) satisfy A + P Pᵀ = −I/2 + S with P[n] = √(n + 1/2) and S skew-symmetric, so
// A = V (Λ − P̃ P̃*) V* with V unitary, Λ = −1/2 + i·eig(−iS), P̃ = V* P, B̃ = V* B. The eigenvalues
// come in conjugate pairs; the half with Im Λ > 0 (N/2 modes, ascending Im Λ) describes the real
// system, the other half being its conjugate.
#pragma once
#include <complex>
#include <cstdint>
#include <vector>

namespace sf {

struct HippoNplr {
  std::vector<std::complex<double>> Lambda, P, B;  // N/2 modes each, in the eigenbasis
  std::vector<std::complex<double>> V;             // N × N/2 (row-major): the kept eigenvectors
};

// N even and >= 2.
HippoNplr hippo_legs_nplr(int64_t N);

// The dense LegS matrices (row-major A: N × N, B: N), the reference the tests check against.
std::vector<double> hippo_legs_A(int64_t N);
std::vector<double> hippo_legs_B(int64_t N);

}  // namespace sf
