// The Monarch DFT and the causal convolution through it (layers/m2/monarch_conv.h), in float64: the DFT
// against its definition summed term by term, the convolution against a direct double loop and against
// causal_fft_conv, a gradcheck, and the M2 mixer with model.m2.fft: monarch against fft.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "config/loader.h"
#include "layers/m2/monarch_conv.h"
#include "layers/registry.h"
#include "layers/ssm/fft_conv.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

TEST(MonarchConv, SizeIsTheSmallestSquareOfAtLeastTwiceTheLength) {
  EXPECT_EQ(monarch_conv_size(1), 4);
  EXPECT_EQ(monarch_conv_size(2), 4);
  EXPECT_EQ(monarch_conv_size(3), 9);
  EXPECT_EQ(monarch_conv_size(8), 16);
  EXPECT_EQ(monarch_conv_size(11), 25);
  EXPECT_EQ(monarch_conv_size(64), 144);
  EXPECT_EQ(monarch_conv_size(128), 256);
}

// X_k = Σ_t x_t e^{−2πi kt/n} for each row of x (m, n).
std::pair<Tensor, Tensor> direct_dft(const Tensor& re, const Tensor& im) {
  const int64_t m = re.size(0), n = re.size(1);
  const std::vector<double> xr = to_vector<double>(re), xi = to_vector<double>(im);
  std::vector<double> yr(xr.size()), yi(xr.size());
  for (int64_t r = 0; r < m; ++r)
    for (int64_t k = 0; k < n; ++k) {
      std::complex<double> acc = 0;
      for (int64_t t = 0; t < n; ++t)
        acc += std::complex<double>(xr[r * n + t], xi[r * n + t]) *
               std::polar(1.0, -2 * std::numbers::pi * static_cast<double>((k * t) % n) / static_cast<double>(n));
      yr[r * n + k] = acc.real();
      yi[r * n + k] = acc.imag();
    }
  return {from_vector<double>(yr, {m, n}), from_vector<double>(yi, {m, n})};
}

TEST(MonarchDft, EqualsTheDirectDft) {
  for (int64_t n : {1, 4, 9, 16, 25, 144}) {
    const MonarchDft dft(n, DType::f64);
    const Tensor re = test::randn({3, n}, 1), im = test::randn({3, n}, 2);
    const auto [want_re, want_im] = direct_dft(re, im);
    const auto [got_re, got_im] = dft.forward(Variable(re), Variable(im));
    const double err = std::max(max_abs_diff(got_re.data(), want_re), max_abs_diff(got_im.data(), want_im));
    EXPECT_LT(err, 1e-10) << "n = " << n;
    std::printf("  n %3lld: max |monarch DFT - direct DFT| %.2e\n", static_cast<long long>(n), err);
    // A real signal (no imaginary part), and back: Re DFT⁻¹(DFT x) = x.
    const auto [real_re, real_im] = direct_dft(re, zeros({3, n}, DType::f64));
    const auto [spec_re, spec_im] = dft.forward(Variable(re));
    EXPECT_LT(max_abs_diff(spec_re.data(), real_re), 1e-10) << "n = " << n;
    EXPECT_LT(max_abs_diff(spec_im.data(), real_im), 1e-10) << "n = " << n;
    EXPECT_LT(max_abs_diff(dft.inverse_real(spec_re, spec_im).data(), re), 1e-12) << "n = " << n;
  }
  EXPECT_NE(test::error_of([] { MonarchDft(12, DType::f64); }).find("12 is not a perfect square"), std::string::npos);
}

// y[b, t, h] = Σ_{s ≤ t} K[h, t − s] u[b, s, h], term by term.
Tensor direct_causal_conv(const Tensor& u, const Tensor& K) {
  const int64_t B = u.size(0), L = u.size(1), H = u.size(2);
  const std::vector<double> uv = to_vector<double>(u), kv = to_vector<double>(K);
  std::vector<double> y(uv.size(), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t s = 0; s <= t; ++s) y[(b * L + t) * H + h] += kv[h * L + t - s] * uv[(b * L + s) * H + h];
  return from_vector<double>(y, {B, L, H});
}

TEST(MonarchConv, EqualsTheDirectCausalConvolutionAndTheFftOne) {
  MonarchConv conv;
  for (int64_t L : {1, 2, 5, 11, 16, 40}) {  // 40: n = 81, not a power of two
    const Tensor u = test::randn({2, L, 3}, 3), K = test::randn({3, L}, 4);
    const Tensor got = conv.forward(Variable(u), Variable(K)).data();
    const double direct = max_abs_diff(got, direct_causal_conv(u, K));
    const double fft = max_abs_diff(got, causal_fft_conv(Variable(u), Variable(K)).data());
    EXPECT_LT(direct, 1e-10) << "L = " << L;
    EXPECT_LT(fft, 1e-10) << "L = " << L;
    std::printf("  L %2lld (n %3lld): max |monarch - direct| %.2e, max |monarch - fft| %.2e\n",
                static_cast<long long>(L), static_cast<long long>(monarch_conv_size(L)), direct, fft);
  }
}

TEST(MonarchConv, Gradcheck) {
  MonarchConv conv;
  GradcheckResult r = gradcheck([&](const std::vector<Variable>& v) { return conv.forward(v[0], v[1]); },
                                {test::randn({2, 6, 3}, 5), test::randn({3, 6}, 6)});
  EXPECT_TRUE(r.ok) << r.report;
}

// The mixer with either transform: same parameters, same output and the same gradients (input and every
// parameter), at two lengths (two cached transform sizes).
TEST(MonarchConv, M2MixerGivesTheFftMixersOutputAndGradients) {
  auto mixer = [](const std::string& fft) {
    const RunConfig c = run_config_from_yaml(
        "{}", "m2 " + fft,
        {"model.mixer=m2", "model.n_embd=8", "model.block_size=16", "train.seq_len=16", "model.bias=true", "model.m2.filter_order=6",
         "model.m2.fft=" + fft});
    auto m = make_mixer("m2", c.model, 0, DType::f64);
    m->init_parameters(7);
    return m;
  };
  auto fft = mixer("fft"), monarch = mixer("monarch");
  for (int64_t L : {7, 16}) {
    const Tensor x = test::randn({2, L, 8}, 8), cotangent = test::randn({2, L, 8}, 9);
    Variable xf(x, true), xm(x, true);
    const Variable yf = fft->forward(xf), ym = monarch->forward(xm);
    EXPECT_LT(max_abs_diff(ym.data(), yf.data()), 1e-10) << "L = " << L;
    sum(yf * Variable(cotangent)).backward();
    sum(ym * Variable(cotangent)).backward();
    EXPECT_LT(max_abs_diff(xm.grad(), xf.grad()), 1e-10) << "L = " << L;
    auto pf = fft->named_parameters(), pm = monarch->named_parameters();
    ASSERT_EQ(pf.size(), pm.size());
    double worst = 0;
    for (size_t i = 0; i < pf.size(); ++i) {
      worst = std::max(worst, max_abs_diff(pm[i].second.grad(), pf[i].second.grad()));
      pf[i].second.zero_grad();
      pm[i].second.zero_grad();
    }
    EXPECT_LT(worst, 1e-10) << "L = " << L;
    std::printf("  L %2lld: max |output diff| %.2e, max |parameter gradient diff| %.2e\n", static_cast<long long>(L),
                max_abs_diff(ym.data(), yf.data()), worst);
  }
}

}  // namespace
}  // namespace sf
