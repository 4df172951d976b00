// Fused GELU GLU (autograd/fused_glu.h) against the composite it replaces, GELU(narrow) ⊙ narrow: outputs and
// input gradients for erf and tanh GELU, in float64 and float32 (the vectorised kernels), and a float64
// finite-difference gradcheck.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/fused_glu.h"
#include "autograd/gradcheck.h"
#include "tests/random.h"

namespace sf {
namespace {

Variable glu_composite(const Variable& h, bool tanh_approx) {
  const int64_t F = h.size(-1) / 2;
  return gelu(narrow(h, -1, 0, F), tanh_approx) * narrow(h, -1, F, F);
}

std::vector<Tensor> run(Variable (*f)(const Variable&, bool), const Tensor& h0, const Tensor& r, bool tanh_approx) {
  Variable h(h0, true);
  Variable y = f(h, tanh_approx);
  sum(y * Variable(r)).backward();
  return {y.data(), h.grad()};
}

TEST(FusedGlu, MatchesComposite) {
  for (DType dt : {DType::f64, DType::f32})
    for (bool tanh_approx : {false, true}) {
      const Tensor h = test::randn({3, 7, 2 * 37}, 1, dt) * 2.0, r = test::randn({3, 7, 37}, 2, dt);
      const auto fused = run(gelu_glu, h, r, tanh_approx), ref = run(glu_composite, h, r, tanh_approx);
      const double tol = dt == DType::f64 ? 1e-13 : 2e-5;
      EXPECT_LT(max_abs_diff(fused[0], ref[0]), tol) << "output, tanh " << tanh_approx;
      EXPECT_LT(max_abs_diff(fused[1], ref[1]), tol) << "dh, tanh " << tanh_approx;
    }
}

TEST(FusedGlu, Gradcheck) {
  for (bool tanh_approx : {false, true}) {
    GradcheckResult r = gradcheck([tanh_approx](const std::vector<Variable>& v) { return gelu_glu(v[0], tanh_approx); },
                                  {test::randn({2, 3, 10}, 3)});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

}  // namespace
}  // namespace sf
