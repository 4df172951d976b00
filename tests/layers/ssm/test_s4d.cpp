// S4D: FFT convolution = direct O(L²) convolution = the recurrent step;
// the closed-form kernel backward and the FFT-conv backward against finite differences; causality
// (and its failure without zero padding). Causality and gradcheck of the whole mixer are in
// tests/layers/contract/ (the mixer contract).
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "layers/registry.h"
#include "layers/ssm/fft_conv.h"
#include "layers/ssm/s4d.h"
#include "layers/ssm/s4d_kernel.h"
#include "ssm_test_util.h"

namespace sf {
namespace {

using test::randn;

ModelConfig s4d_config(int64_t width = 4, int64_t d_state = 6) {
  ModelConfig c;
  c.n_embd = width;
  c.n_head = 1;
  c.section<SsmConfig>().d_state = d_state;
  return c;
}

Tensor direct_conv(const Tensor& u, const Tensor& K) {  // y[b,t,h] = Σ_{s≤t} K[h,t−s] u[b,s,h]
  const int64_t B = u.size(0), L = u.size(1), H = u.size(2);
  Tensor y = zeros({B, L, H}, DType::f64);
  double* py = y.data<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t s = 0; s <= t; ++s) py[(b * L + t) * H + h] += K.at({h, t - s}) * u.at({b, s, h});
  return y;
}

TEST(FftConv, EqualsDirectConvolution) {
  for (int64_t L : {1, 2, 4, 17, 64, 150}) {  // transform sizes 2 ... 512: every mix of radix-4 and radix-2 stages
    const Tensor u = randn({2, L, 3}, 1), K = randn({3, L}, 2);
    EXPECT_LE(max_abs_diff(causal_fft_conv(Variable(u), Variable(K)).data(), direct_conv(u, K)), 1e-12) << L;
  }
}

TEST(FftConv, Gradcheck) {
  GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return causal_fft_conv(v[0], v[1]); },
                                {randn({2, 9, 3}, 3), randn({3, 9}, 4)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(FftConv, CausalOnlyWithZeroPadding) {
  const Tensor K = randn({3, 16}, 5), u = randn({2, 16, 3}, 6);
  auto conv = [&](int64_t n_fft) {
    return [&, n_fft](const Tensor& x) { return causal_fft_conv(Variable(x), Variable(K), n_fft).data(); };
  };
  test::expect_causal(conv(0), u, 9, 1e-12);
  // Without padding the circular convolution leaks row 9 into earlier rows.
  const Tensor y = conv(16)(u);
  Tensor u2 = u.clone();
  u2.narrow(1, 9, 1).fill_(3.0);
  EXPECT_GT(max_abs_diff(conv(16)(u2).narrow(1, 0, 9), y.narrow(1, 0, 9)), 1e-3);
}

TEST(S4dKernel, ClosedFormBackwardMatchesFiniteDifferences) {
  const int64_t H = 3, M = 4;
  GradcheckResult r = gradcheck(
      [](const std::vector<Variable>& v) { return s4d_kernel(v[0], v[1], v[2], v[3], 11); },
      {randn({H}, 1) * 0.5 + -2.0, randn({H, M}, 2) * 0.3 + -0.7, randn({H, M}, 3) * 3.0, randn({H, M, 2}, 4)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(S4D, InitialisationFollowsTheSpec) {
  for (SsmInit init : {SsmInit::s4d_lin, SsmInit::s4d_inv}) {
    ModelConfig c = s4d_config(4, 8);
    c.section<SsmConfig>().init = init;
    S4D s4d(c, DType::f64);
    s4d.init_parameters(3);
    for (auto& [name, p] : s4d.named_parameters()) {
      const Tensor& t = p.data();
      if (name == "log_A_real") {
        EXPECT_NEAR(t.at({2, 3}), std::log(0.5), 1e-15);
      }
      if (name == "A_imag") {
        const double n = 3, N = 8;
        EXPECT_NEAR(t.at({1, 3}), init == SsmInit::s4d_lin ? M_PI * n : N / M_PI * (N / (2 * n + 1) - 1), 1e-12);
      }
      if (name == "log_dt") {
        EXPECT_GE(amin(t).item<double>(), std::log(1e-3));
        EXPECT_LE(amax(t).item<double>(), std::log(1e-1));
      }
    }
  }
}

TEST(S4D, FftPathEqualsDirectConvolutionAndRecurrence) {
  S4D s4d(s4d_config(), DType::f64);
  s4d.init_parameters(1);
  const int64_t L = 37;
  const Tensor u = randn({2, L, 4}, 9);
  const Tensor y = s4d.ssm(Variable(u)).data();
  Tensor D_skip;
  for (auto& [n, p] : s4d.named_parameters())
    if (n == "D_skip") D_skip = p.data();
  EXPECT_LE(max_abs_diff(y, direct_conv(u, s4d.kernel(L).data()) + u * D_skip), 1e-12);
  // The recurrence, through the whole mixer (step = forward).
  const Tensor full = s4d.forward(Variable(u)).data();
  Tensor state = s4d.initial_state(2);
  for (int64_t t = 0; t < L; ++t)
    EXPECT_LE(max_abs_diff(s4d.step(state, u.select(1, t).contiguous()), full.select(1, t)), 1e-10) << t;
}

TEST(S4D, FloatPathMatchesDouble) {
  test::expect_float_matches_double<S4D>(s4d_config(8, 16), randn({2, 300, 8}, 4));
}

TEST(S4D, RegisteredAndRejectsLegs) {
  ModelConfig c = s4d_config();
  EXPECT_NE(make_mixer("s4d", c, 0), nullptr);
  c.section<SsmConfig>().init = SsmInit::legs;
  EXPECT_THROW(make_mixer("s4d", c, 0), Error);
}

}  // namespace
}  // namespace sf
