// Fused sigmoid-gated pair (autograd/fused_gates.h) against the composite it replaces,
// σ(narrow(g)) ⊙ a + σ(narrow(g)) ⊙ b: output and the three gradients in float64 and float32 (the
// vectorised kernels), and a float64 finite-difference gradcheck.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/fused_gates.h"
#include "autograd/gradcheck.h"
#include "tests/random.h"

namespace sf {
namespace {

Variable gated_pair_composite(const Variable& g, const Variable& a, const Variable& b) {
  const int64_t n = a.size(-1);
  return sigmoid(narrow(g, -1, 0, n)) * a + sigmoid(narrow(g, -1, n, n)) * b;
}

std::vector<Tensor> run(bool fused, const std::vector<Tensor>& in, const Tensor& r) {
  Variable g(in[0], true), a(in[1], true), b(in[2], true);
  const Variable y = fused ? gated_pair(g, a, b) : gated_pair_composite(g, a, b);
  sum(y * Variable(r)).backward();
  return {y.data(), g.grad(), a.grad(), b.grad()};
}

TEST(FusedGates, MatchesComposite) {
  for (DType dt : {DType::f64, DType::f32}) {
    const std::vector<Tensor> in{test::randn({2, 9, 2 * 33}, 1, dt) * 3.0, test::randn({2, 9, 33}, 2, dt),
                                 test::randn({2, 9, 33}, 3, dt)};
    const Tensor r = test::randn({2, 9, 33}, 4, dt);
    const auto fused = run(true, in, r), ref = run(false, in, r);
    const double tol = dt == DType::f64 ? 1e-13 : 1e-5;
    for (size_t i = 0; i < fused.size(); ++i)
      EXPECT_LT(max_abs_diff(fused[i], ref[i]), tol) << "tensor " << i << " (y, dg, da, db)";
  }
}

TEST(FusedGates, Gradcheck) {
  GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return gated_pair(v[0], v[1], v[2]); },
                                {test::randn({3, 8}, 5), test::randn({3, 4}, 6), test::randn({3, 4}, 7)});
  EXPECT_TRUE(r.ok) << r.report;
}

}  // namespace
}  // namespace sf
