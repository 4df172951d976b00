// S4 with the DPLR (HiPPO-LegS) state matrix (Gu, Goel & Ré 2022): the NPLR decomposition
// reconstructs LegS; irfft against the inverse DFT sum and its gradcheck; the Cauchy/Woodbury
// kernel against the dense powers C Ā^l B̄; FFT path = recurrence; kernel gradcheck; configuration
// errors. The mixer's causality and gradcheck are in tests/layers/contract/.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "layers/registry.h"
#include "layers/ssm/fft_conv.h"
#include "layers/ssm/hippo.h"
#include "layers/ssm/s4.h"
#include "ssm_test_util.h"
#include "tests/support.h"

namespace sf {
namespace {

using cd = std::complex<double>;
using test::randn;

ModelConfig s4_config(int64_t width = 3, int64_t d_state = 6, int64_t block_size = 24) {
  ModelConfig c;
  c.n_embd = width;
  c.n_head = 1;
  c.block_size = block_size;
  c.section<SsmConfig>().d_state = d_state;
  c.section<SsmConfig>().init = SsmInit::legs;
  return c;
}

// Parameters near the LegS init but away from its symmetries, so every term of the kernel matters.
void perturb(S4& s4, uint64_t seed) {
  NoGradGuard no_grad;
  for (auto& [name, p] : s4.named_parameters())
    if (name != "out.weight" && name != "out.bias") {
      Tensor t = p.data();  // shares the parameter's storage
      t.copy_(t + randn(t.shape(), seed++) * 0.1);
    }
}

TEST(HippoLegs, NplrReconstructsTheLegsMatrix) {
  for (int64_t N : {2, 8, 64}) {
    const HippoNplr d = hippo_legs_nplr(N);
    const int64_t M = N / 2;
    const std::vector<double> A = hippo_legs_A(N), B = hippo_legs_B(N);
    // A = Σ over both halves of each pair: V (Λ − P̃ P̃*) V*, B = V B̃.
    auto V = [&](int64_t n, int64_t j) { return j < M ? d.V[n * M + j] : std::conj(d.V[n * M + j - M]); };
    auto half = [&](const std::vector<cd>& v, int64_t j) { return j < M ? v[j] : std::conj(v[j - M]); };
    double err_a = 0, err_b = 0, scale = 0;
    for (int64_t n = 0; n < N; ++n) {
      cd b = 0;
      for (int64_t j = 0; j < N; ++j) b += V(n, j) * half(d.B, j);
      err_b = std::max(err_b, std::abs(b - B[n]));
      for (int64_t k = 0; k < N; ++k) {
        cd a = 0;
        for (int64_t i = 0; i < N; ++i)
          for (int64_t j = 0; j < N; ++j) {
            const cd inner = (i == j ? half(d.Lambda, i) : cd(0)) - half(d.P, i) * std::conj(half(d.P, j));
            a += V(n, i) * inner * std::conj(V(k, j));
          }
        err_a = std::max(err_a, std::abs(a - A[n * N + k]));
        scale = std::max(scale, std::abs(A[n * N + k]));
      }
    }
    EXPECT_LE(err_a, 1e-10 * scale) << N;
    EXPECT_LE(err_b, 1e-10 * std::sqrt(double(2 * N))) << N;
    for (int64_t m = 0; m < M; ++m) {
      EXPECT_NEAR(d.Lambda[m].real(), -0.5, 1e-12);
      EXPECT_GT(d.Lambda[m].imag(), 0.0);
    }
  }
}

TEST(Irfft, EqualsTheInverseDftSumAndGradchecks) {
  for (int64_t n : {1, 2, 7, 16}) {
    const int64_t F = n / 2 + 1;
    const Tensor re = randn({3, F}, 1), im = randn({3, F}, 2);
    const Tensor x = irfft(Variable(re), Variable(im), n).data();
    double err = 0;
    for (int64_t r = 0; r < 3; ++r)
      for (int64_t t = 0; t < n; ++t) {
        cd acc = 0;
        for (int64_t k = 0; k < n; ++k) {  // the Hermitian extension of the half spectrum
          const int64_t j = k < F ? k : n - k;
          cd X{re.at({r, j}), im.at({r, j})};
          if (j == 0 || 2 * j == n) X = X.real();
          if (k >= F) X = std::conj(X);
          acc += X * std::exp(cd(0, 2 * std::numbers::pi * double(k * t) / double(n)));
        }
        err = std::max(err, std::abs(acc.real() / double(n) - x.at({r, t})));
      }
    EXPECT_LE(err, 1e-12) << n;
    GradcheckResult g = gradcheck([n](const std::vector<Variable>& v) { return irfft(v[0], v[1], n); }, {re, im});
    EXPECT_TRUE(g.ok) << n << g.report;
  }
}

TEST(S4Kernel, CauchyWoodburyEqualsDensePowers) {
  for (int64_t L : {1, 8, 23}) {
    S4 s4(s4_config(3, 6, L), DType::f64);
    s4.init_parameters(3);
    perturb(s4, 10);
    const auto ps = s4.named_parameters();
    auto param = [&](const std::string& name) {
      for (auto& [n, p] : ps)
        if (n == name) return p.data();
      throw Error("no parameter " + name);
    };
    const S4Recurrence r = s4_recurrence(param("log_dt"), param("log_A_real"), param("A_imag"), param("P"),
                                         param("B"), param("C"), L);
    const Tensor K = s4.kernel(L).data();
    double err = 0, scale = 0;
    for (int64_t h = 0; h < r.H; ++h) {
      std::vector<cd> x(r.B_bar.begin() + h * r.N, r.B_bar.begin() + (h + 1) * r.N), next(r.N);
      for (int64_t l = 0; l < L; ++l) {  // K_l = C Ā^l B̄
        cd k = 0;
        for (int64_t n = 0; n < r.N; ++n) k += r.C[h * r.N + n] * x[n];
        err = std::max(err, std::abs(k.real() - K.at({h, l})));
        scale = std::max(scale, std::abs(k.real()));
        for (int64_t n = 0; n < r.N; ++n) {
          next[n] = 0;
          for (int64_t j = 0; j < r.N; ++j) next[n] += r.A_bar[(h * r.N + n) * r.N + j] * x[j];
        }
        x = next;
      }
    }
    EXPECT_LE(err, 1e-10 * scale) << L;
  }
}

TEST(S4Kernel, Gradcheck) {
  S4 s4(s4_config(2, 4, 9), DType::f64);
  s4.init_parameters(4);
  perturb(s4, 20);
  std::vector<Tensor> inputs;
  for (const char* name : {"log_dt", "log_A_real", "A_imag", "P", "B", "C"})
    for (auto& [n, p] : s4.named_parameters())
      if (n == name) inputs.push_back(p.data().clone());
  GradcheckResult r = gradcheck(
      [](const std::vector<Variable>& v) { return s4_dplr_kernel(v[0], v[1], v[2], v[3], v[4], v[5], 9); }, inputs);
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(S4, FftPathEqualsRecurrenceAndPrefixOfTheKernel) {
  S4 s4(s4_config(3, 8, 40), DType::f64);
  s4.init_parameters(1);
  perturb(s4, 30);
  const int64_t L = 33;  // shorter than l_max: the prefix of the l_max kernel
  const Tensor u = randn({2, L, 3}, 9);
  EXPECT_LE(max_abs_diff(s4.kernel(L).data(), s4.kernel(40).data().narrow(1, 0, L)), 0.0);
  const Tensor full = s4.forward(Variable(u)).data();
  Tensor state = s4.initial_state(2);
  for (int64_t t = 0; t < L; ++t)
    EXPECT_LE(test::scaled_diff(s4.step(state, u.select(1, t).contiguous()), full.select(1, t)), 1e-10) << t;
}

TEST(S4, FloatPathMatchesDouble) {
  test::expect_float_matches_double<S4>(s4_config(8, 16, 256), randn({2, 200, 8}, 4));
}

TEST(S4, ConfigurationErrors) {
  ModelConfig c = s4_config();
  EXPECT_NE(make_mixer("s4", c, 0), nullptr);
  c.section<SsmConfig>().init = SsmInit::s4d_lin;
  EXPECT_CONTAINS(test::error_of([&] { make_mixer("s4", c, 0); }), "set model.ssm.init: legs");
  S4 s4(s4_config(3, 6, 16), DType::f64);
  EXPECT_CONTAINS(test::error_of([&] { s4.forward(Variable(randn({1, 17, 3}, 1))); }),
                  "sequence length 17 exceeds model.block_size = 16");
}

}  // namespace
}  // namespace sf
