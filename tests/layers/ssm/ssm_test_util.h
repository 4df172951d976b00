// Helpers for the SSM tests: relative comparisons, leaves of a module, causality probes.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "config/run_config.h"
#include "core/ops.h"
#include "layers/module.h"
#include "tests/random.h"

namespace sf::test {

// max |a − b| / max |b|: the error relative to the reference's scale.
inline double scaled_diff(const Tensor& a, const Tensor& b) {
  const Tensor bd = b.to(DType::f64);
  return max_abs_diff(a.to(DType::f64), bd) / std::max(1e-300, amax(unary(UnaryOp::abs, bd)).item<double>());
}

// A mixer M built in float32 and in float64 from one config and init seed gives the same output
// on u (float64) within tol, relative to the output's scale.
template <class M>
void expect_float_matches_double(const ModelConfig& c, const Tensor& u, double tol = 1e-5) {
  M m64(c, DType::f64), m32(c, DType::f32);
  m64.init_parameters(2);
  m32.init_parameters(2);
  EXPECT_LE(scaled_diff(m32.forward(Variable(u.to(DType::f32))).data(), m64.forward(Variable(u)).data()), tol);
}

inline std::vector<Variable> leaves_of(const Module& m, const Variable& x) {
  std::vector<Variable> out{x};
  for (auto& p : m.parameters()) out.push_back(p);
  return out;
}

// Perturbs row t0 of x (B, L, D) and checks that f's rows < t0 move by at most `tol` (relative
// to the output scale) while some row ≥ t0 moves by at least 1e-6.
inline void expect_causal(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, int64_t t0, double tol) {
  const Tensor y = f(x);
  Tensor x2 = x.clone();
  Tensor row = x2.narrow(1, t0, 1);
  row.copy_(row + randn(row.shape(), 999, x.dtype()));
  const Tensor y2 = f(x2);
  const int64_t L = x.size(1);
  const double scale = amax(unary(UnaryOp::abs, y)).item<double>();
  if (t0 > 0) {
    EXPECT_LE(max_abs_diff(y.narrow(1, 0, t0), y2.narrow(1, 0, t0)), tol * scale) << "t0 = " << t0;
  }
  EXPECT_GE(max_abs_diff(y.narrow(1, t0, L - t0), y2.narrow(1, t0, L - t0)), 1e-6) << "t0 = " << t0;
}

}  // namespace sf::test
