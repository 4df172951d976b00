// linear at MatmulPrecision::bf16 rounds x and W once in forward and the incoming gradient once in
// backward (gemm_operand): the same results as the composite matmul + add, whose GEMMs each round their
// own operands, and not the fp32 results.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "autograd/functions.h"
#include "core/ops.h"
#include "tests/random.h"

namespace sf {
namespace {

struct Result {
  Tensor y, dx, dw, db;
};

// y = op(x, w, b) and the gradients of sum(y * r); precision for forward, then for backward.
template <class F>
Result run(F op, MatmulPrecision forward, MatmulPrecision backward) {
  Variable x(test::randn({6, 50, 70}, 1, DType::f32), true), w(test::randn({90, 70}, 2, DType::f32), true),
      b(test::randn({90}, 3, DType::f32), true);
  const Variable r(test::randn({6, 50, 90}, 4, DType::f32));
  set_matmul_precision(forward);
  Variable y = op(x, w, b);
  set_matmul_precision(backward);
  sum(y * r).backward();
  set_matmul_precision(MatmulPrecision::fp32);
  return {y.data(), x.grad(), w.grad(), b.grad()};
}

double largest_diff(const Result& a, const Result& b) {
  return std::max({max_abs_diff(a.y, b.y), max_abs_diff(a.dx, b.dx), max_abs_diff(a.dw, b.dw),
                   max_abs_diff(a.db, b.db)});
}

Variable fused(const Variable& x, const Variable& w, const Variable& b) { return linear(x, w, b); }
Variable composite(const Variable& x, const Variable& w, const Variable& b) { return matmul(x, w, false, true) + b; }

TEST(LinearPrecision, Bf16RoundsOnceLikeTheCompositeRoundsPerGemm) {
  const auto bf16 = MatmulPrecision::bf16, fp32 = MatmulPrecision::fp32;
  const Result lin = run(fused, bf16, bf16), comp = run(composite, bf16, bf16), exact = run(fused, fp32, fp32);
  EXPECT_LT(largest_diff(lin, comp), 1e-4);  // summation order (bias first, 300-row dW sums) aside
  EXPECT_GT(largest_diff(lin, exact), 1e-2) << "bf16 precision did not round";
  // With oneDNN's bf16 kernel the backward follows the forward's rounding, even when the precision changed
  // in between (elsewhere each GEMM rounds per call at the precision of the moment).
  set_matmul_precision(bf16);
  const bool rounded_once = gemm_operand(zeros({1}, DType::f32)).dtype() == DType::bf16;
  set_matmul_precision(fp32);
  if (rounded_once) EXPECT_EQ(largest_diff(run(fused, bf16, fp32), lin), 0.0);
  std::cout << "linear vs composite at bf16: " << largest_diff(lin, comp) << ", vs fp32: " << largest_diff(lin, exact)
            << "\n";
}

}  // namespace
}  // namespace sf
