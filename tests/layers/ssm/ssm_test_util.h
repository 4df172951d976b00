// Helpers for the SSM tests (the general ones are in tests/layers/test_util.h).
#pragma once
#include <gtest/gtest.h>

#include "config/run_config.h"
#include "core/ops.h"
#include "layers/module.h"
#include "tests/layers/test_util.h"

namespace sf::test {

// A mixer M built in float32 and in float64 from one config and init seed gives the same output
// on u (float64) within tol, relative to the output's scale.
template <class M>
void expect_float_matches_double(const ModelConfig& c, const Tensor& u, double tol = 1e-5) {
  M m64(c, DType::f64), m32(c, DType::f32);
  m64.init_parameters(2);
  m32.init_parameters(2);
  EXPECT_LE(scaled_diff(m32.forward(Variable(u.to(DType::f32))).data(), m64.forward(Variable(u)).data()), tol);
}

}  // namespace sf::test
