// Fused LayerNorm / RMSNorm (autograd/fused_norm.h) against the composites they replace: forward and
// gradients of x, weight and bias over row counts that cross the kNormRows reduction blocks; float64
// gradchecks; thread-count independence of the weight gradients.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/fused_norm.h"
#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "tests/random.h"

namespace sf {
namespace {

constexpr double kEps = 1e-5;

Variable layer_norm_composite(const Variable& x, const Variable& w, const Variable& b, double eps) {
  Variable c = x - mean(x, {-1}, true);
  Variable y = c * rsqrt(mean(square(c), {-1}, true) + eps) * w;
  return b.defined() ? y + b : y;
}

Variable rms_norm_composite(const Variable& x, const Variable& w, const Variable&, double eps) {
  return x * rsqrt(mean(square(x), {-1}, true) + eps) * w;
}

Variable rms_norm_fused(const Variable& x, const Variable& w, const Variable&, double eps) { return rms_norm(x, w, eps); }

using NormFn = Variable (*)(const Variable&, const Variable&, const Variable&, double);

std::vector<Tensor> run(NormFn f, const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& r) {
  Variable x(x0, true), w(w0, true), b = b0.defined() ? Variable(b0, true) : Variable();
  Variable y = f(x, w, b, kEps);
  sum(y * Variable(r)).backward();
  std::vector<Tensor> out{y.data(), x.grad(), w.grad()};
  if (b.defined()) out.push_back(b.grad());
  return out;
}

void expect_close(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_LT(max_abs_diff(a[i], b[i]), tol) << "tensor " << i;
}

TEST(FusedNorm, MatchComposites) {
  for (int64_t rows : {1, 22, 50}) {  // 3, 66, 150 rows of D
    const int64_t D = 24;
    const Tensor x = test::randn({rows, 3, D}, 2) * 2.0 + 0.5,
                 w = test::randn({D}, 3), b = test::randn({D}, 4), r = test::randn({rows, 3, D}, 5);
    expect_close(run(layer_norm, x, w, b, r), run(layer_norm_composite, x, w, b, r), 1e-11);
    expect_close(run(layer_norm, x, w, Tensor(), r), run(layer_norm_composite, x, w, Tensor(), r), 1e-11);
    expect_close(run(rms_norm_fused, x, w, Tensor(), r), run(rms_norm_composite, x, w, Tensor(), r), 1e-11);
  }
}

TEST(FusedNorm, Gradcheck) {
  const std::vector<Tensor> in{test::randn({3, 2, 5}, 6), test::randn({5}, 7), test::randn({5}, 8)};
  GradcheckResult ln =
      gradcheck([](const std::vector<Variable>& v) { return layer_norm(v[0], v[1], v[2], kEps); }, in);
  EXPECT_TRUE(ln.ok) << ln.report;
  GradcheckResult rms =
      gradcheck([](const std::vector<Variable>& v) { return rms_norm(v[0], v[1], kEps); }, {in[0], in[1]});
  EXPECT_TRUE(rms.ok) << rms.report;
}

TEST(FusedNorm, OneAndTwoThreadsAgreeBitwise) {
  const int64_t N = 1000, D = 64;
  const Tensor x = test::randn({N, D}, 9, DType::f32), w = test::randn({D}, 10, DType::f32),
               b = test::randn({D}, 11, DType::f32), r = test::randn({N, D}, 12, DType::f32);
  const int threads = num_threads();
  set_num_threads(1);
  const auto one = run(layer_norm, x, w, b, r);
  set_num_threads(2);
  const auto two = run(layer_norm, x, w, b, r);
  set_num_threads(threads);
  expect_close(one, two, 1e-30);
}

}  // namespace
}  // namespace sf
