// The vectorised float32 GELU (core/cpu/vec_math.h, used by unary() on contiguous float tensors) against
// the float64 scalar formula of core/elementwise_math.h, forward and derivative, over the range where the
// approximations switch regime (|x| up to 4 and beyond, where erf saturates). Tolerance 1e-5: float32
// rounding of tanh near saturation, where 1 − tanh² is ~1e-6, dominates.
#include <gtest/gtest.h>

#include "core/elementwise_math.h"
#include "core/ops.h"

namespace sf {
namespace {

TEST(VectorisedGelu, MatchesScalarFormula) {
  std::vector<double> xs;
  for (double x = -9.0; x <= 9.0; x += 0.0137) xs.push_back(x);
  const int64_t n = static_cast<int64_t>(xs.size());
  const Tensor x64 = from_vector<double>(xs, {n}), x32 = x64.to(DType::f32);
  const Tensor g32 = full({n}, 0.75, DType::f32);
  for (bool tanh_approx : {false, true}) {
    const UnaryOp op = tanh_approx ? UnaryOp::gelu_tanh : UnaryOp::gelu_erf;
    const Tensor y = unary(op, x32).to(DType::f64), dy = unary_backward(op, g32, x32, Tensor()).to(DType::f64);
    for (int64_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(static_cast<float>(xs[i]));
      const double want = tanh_approx ? math::gelu_tanh(x) : math::gelu_erf(x);
      const double dwant = 0.75 * (tanh_approx ? math::d_gelu_tanh(x) : math::d_gelu_erf(x));
      EXPECT_NEAR(y.at({i}), want, 1e-5 * std::max(1.0, std::abs(want))) << "x=" << x << " tanh=" << tanh_approx;
      EXPECT_NEAR(dy.at({i}), dwant, 1e-5 * std::max(1.0, std::abs(dwant))) << "x=" << x << " tanh=" << tanh_approx;
    }
  }
}

}  // namespace
}  // namespace sf
