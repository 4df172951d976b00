// Fused sin(x ⊙ w) (autograd/fused_sin.h) against the composite sin(x * w): output and both gradients in
// float64 and float32, over row counts on both sides of the 256-row blocks of the w gradient; a float64
// finite-difference gradcheck.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/fused_sin.h"
#include "autograd/gradcheck.h"
#include "tests/random.h"

namespace sf {
namespace {

std::vector<Tensor> run(bool fused, const Tensor& x0, const Tensor& w0, const Tensor& r) {
  Variable x(x0, true), w(w0, true);
  Variable y = fused ? scaled_sin(x, w) : sin(x * w);
  sum(y * Variable(r)).backward();
  return {y.data(), x.grad(), w.grad()};
}

TEST(FusedSin, MatchesComposite) {
  for (DType dt : {DType::f64, DType::f32})
    for (int64_t rows : {5, 300, 600}) {
      const Tensor x = test::randn({rows, 19}, 1, dt), w = test::randn({19}, 2, dt) * 3.0,
                   r = test::randn({rows, 19}, 3, dt);
      const auto fused = run(true, x, w, r), ref = run(false, x, w, r);
      const double tol = dt == DType::f64 ? 1e-11 : 1e-3;  // dw sums `rows` terms
      for (size_t i = 0; i < fused.size(); ++i)
        EXPECT_LT(max_abs_diff(fused[i], ref[i]), tol) << "tensor " << i << " (y, dx, dw), rows " << rows;
    }
}

TEST(FusedSin, Gradcheck) {
  GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return scaled_sin(v[0], v[1]); },
                                {test::randn({2, 3, 4}, 4), test::randn({4}, 5) * 2.0});
  EXPECT_TRUE(r.ok) << r.report;
}

}  // namespace
}  // namespace sf
