// Global gradient-norm clipping: the norm, the scaling, skipped parameters, non-finite gradients and
// independence of the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/parallel.h"
#include "optim/clip.h"

namespace sf {
namespace {

// Gradients (3, 4) and (0, 0; 0, 12) in mixed dtypes: global norm sqrt(9 + 16 + 144) = 13.
std::vector<Variable> params_with_norm_13() {
  Variable a(zeros({2}), true), b(zeros({2, 2}, DType::f64), true), no_grad(zeros({3}), true);
  a.set_grad(from_vector<float>({3, 4}, {2}));
  b.set_grad(from_vector<double>({0, 0, 0, 12}, {2, 2}));
  return {a, b, no_grad};
}

TEST(Clip, GradNormIsTheGlobalL2NormOverParametersWithGradients) {
  EXPECT_DOUBLE_EQ(grad_norm(params_with_norm_13()), 13.0);
}

TEST(Clip, ScalesToMaxNormAndReturnsThePreClipNorm) {
  std::vector<Variable> params = params_with_norm_13();
  EXPECT_DOUBLE_EQ(clip_grad_norm(params, 6.5), 13.0);
  const double coef = 6.5 / (13.0 + 1e-6);
  EXPECT_NEAR(grad_norm(params), 6.5, 1e-6);
  EXPECT_FLOAT_EQ(params[0].grad().at({1}), static_cast<float>(4 * coef));
  EXPECT_DOUBLE_EQ(params[1].grad().at({1, 1}), 12 * coef);
  EXPECT_FALSE(params[2].grad().defined());
}

TEST(Clip, LeavesGradientsAloneBelowMaxNormOrWhenOff) {
  for (double max_norm : {20.0, 0.0}) {
    std::vector<Variable> params = params_with_norm_13();
    EXPECT_DOUBLE_EQ(clip_grad_norm(params, max_norm), 13.0);
    EXPECT_EQ(params[0].grad().at({1}), 4.0);
    EXPECT_EQ(params[1].grad().at({1, 1}), 12.0);
  }
  EXPECT_THROW(clip_grad_norm(params_with_norm_13(), -1.0), Error);
}

TEST(Clip, NormIsAccumulatedInDouble) {
  // Squares of 1e20 overflow float32 but not float64.
  Variable p(zeros({16}), true);
  p.set_grad(full({16}, 1e20));
  EXPECT_NEAR(grad_norm({p}) / 4e20, 1.0, 1e-6);
  EXPECT_TRUE(grads_finite({p}));
}

TEST(Clip, NonFiniteGradientsAreReportedAndLeftUntouched) {
  std::vector<Variable> params = params_with_norm_13();
  EXPECT_TRUE(grads_finite(params));
  params[1].set_grad(from_vector<double>({0, std::numeric_limits<double>::infinity(), 0, 12}, {2, 2}));
  EXPECT_FALSE(grads_finite(params));
  EXPECT_TRUE(std::isinf(clip_grad_norm(params, 1.0)));
  EXPECT_EQ(params[0].grad().at({1}), 4.0);
  params[0].set_grad(from_vector<float>({NAN, 4}, {2}));
  EXPECT_FALSE(grads_finite(params));
}

TEST(Clip, NonContiguousGradientIsReplacedByItsScaledCopy) {
  Variable p(zeros({3, 2}), true);
  p.set_grad(from_vector<float>({3, 0, 0, 4, 0, 0}, {2, 3}).t());  // a transposed view
  EXPECT_DOUBLE_EQ(clip_grad_norm({p}, 1.0), 5.0);
  EXPECT_TRUE(p.grad().is_contiguous());
  EXPECT_NEAR(p.grad().at({0, 0}), 0.6, 1e-6);
  EXPECT_NEAR(p.grad().at({0, 1}), 0.8, 1e-6);
}

TEST(Clip, NormIsBitwiseIndependentOfTheThreadCount) {
  std::vector<Variable> params;
  for (int64_t n : {100003, 5, 70001}) {
    std::vector<float> v(n);
    for (int64_t j = 0; j < n; ++j) v[j] = static_cast<float>(std::sin(0.37 * static_cast<double>(j) + n));
    Variable p(zeros({n}), true);
    p.set_grad(from_vector<float>(v, {n}));
    params.push_back(p);
  }
  const int previous = num_threads();
  set_num_threads(1);
  const double one = grad_norm(params);
  set_num_threads(2);
  const double two = grad_norm(params);
  set_num_threads(previous);
  EXPECT_EQ(std::memcmp(&one, &two, sizeof(double)), 0) << one << " vs " << two;
  double reference = 0;
  for (const Variable& p : params)
    for (float x : to_vector<float>(p.grad())) reference += static_cast<double>(x) * x;
  EXPECT_NEAR(one, std::sqrt(reference), 1e-12 * one);
}

}  // namespace
}  // namespace sf
