#include "layers/ssm/hippo.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <Eigen/Eigenvalues>

#include "core/error.h"

namespace sf {

std::vector<double> hippo_legs_A(int64_t N) {
  std::vector<double> A(static_cast<size_t>(N * N), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k <= n; ++k)
      A[n * N + k] = n == k ? -double(n + 1) : -std::sqrt(double(2 * n + 1) * double(2 * k + 1));
  return A;
}

std::vector<double> hippo_legs_B(int64_t N) {
  std::vector<double> B(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) B[n] = std::sqrt(double(2 * n + 1));
  return B;
}

HippoNplr hippo_legs_nplr(int64_t N) {
  SF_CHECK(N >= 2 && N % 2 == 0, "hippo_legs_nplr: N must be even and >= 2, got ", N);
  const std::vector<double> A = hippo_legs_A(N), B = hippo_legs_B(N);
  Eigen::VectorXd P(N);
  for (int64_t n = 0; n < N; ++n) P[n] = std::sqrt(double(n) + 0.5);
  Eigen::MatrixXd S(N, N);  // A + P Pᵀ + I/2: skew-symmetric
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < N; ++k) S(n, k) = A[n * N + k] + P[n] * P[k] + (n == k ? 0.5 : 0.0);
  // −iS is Hermitian: S = V diag(iλ) V* with real λ.
  const Eigen::MatrixXcd H = std::complex<double>(0, -1) * S.cast<std::complex<double>>();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> eig(H);
  SF_CHECK(eig.info() == Eigen::Success, "hippo_legs_nplr: eigendecomposition failed for N = ", N);
  // Ascending eigenvalues: the last N/2 are the positive halves of the conjugate pairs.
  const int64_t M = N / 2;
  HippoNplr out;
  out.V.resize(static_cast<size_t>(N * M));
  for (int64_t m = 0; m < M; ++m) {
    const int64_t j = M + m;
    const Eigen::VectorXcd v = eig.eigenvectors().col(j);
    out.Lambda.emplace_back(-0.5, eig.eigenvalues()[j]);
    out.P.push_back(v.dot(P.cast<std::complex<double>>()));  // v* P (Eigen's dot conjugates the left)
    std::complex<double> b = 0;
    for (int64_t n = 0; n < N; ++n) b += std::conj(v[n]) * B[n];
    out.B.push_back(b);
    for (int64_t n = 0; n < N; ++n) out.V[n * M + m] = v[n];
  }
  return out;
}

}  // namespace sf
