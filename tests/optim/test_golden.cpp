// AdamW and SGD trajectories against PyTorch 1.13 (tools/parity/optim_reference.py), LAMB against a
// hand-written float64/float32 LAMB in PyTorch (tools/parity/lamb_reference.py): 10 steps on the toy
// problem, parameters compared after every step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "golden/lamb_golden.h"
#include "optim/adamw.h"
#include "optim/lamb.h"
#include "optim/sgd.h"
#include "toy_problem.h"

namespace sf {
namespace {

using namespace optim_golden;
using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

void expect_trajectory(const MakeOptimizer& make, double weight_decay, double base_lr,
                       const double (&init)[kNumel], const double (&golden)[kSteps][kNumel], DType dtype,
                       double tol) {
  NamedParameters params = test::toy_params(dtype);
  std::vector<double> start = test::flat_values(params);
  for (int j = 0; j < kNumel; ++j) ASSERT_NEAR(start[j], init[j], 1e-15) << "initial value " << j;
  std::unique_ptr<Optimizer> opt = make(make_param_groups(params, weight_decay));
  double worst = 0;
  for (int step = 0; step < kSteps; ++step) {
    test::set_toy_grads(params);
    opt->step(test::toy_lr(base_lr, step));
    std::vector<double> got = test::flat_values(params);
    for (int j = 0; j < kNumel; ++j) {
      ASSERT_NEAR(got[j], golden[step][j], tol) << opt->name() << " step " << step << " element " << j;
      worst = std::max(worst, std::abs(got[j] - golden[step][j]));
    }
  }
  EXPECT_EQ(opt->steps_taken(), kSteps);
  std::printf("  %s %s: max |seqforge - torch| over %d steps = %.3g\n", opt->name(), dtype_name(dtype), kSteps, worst);
}

MakeOptimizer adamw() {
  return [](std::vector<ParamGroup> groups) {
    return std::make_unique<AdamW>(std::move(groups), AdamWOptions{kAdamWBeta1, kAdamWBeta2, kAdamWEps});
  };
}

MakeOptimizer sgd(bool nesterov) {
  return [nesterov](std::vector<ParamGroup> groups) {
    return std::make_unique<Sgd>(std::move(groups), SgdOptions{kSgdMomentum, nesterov});
  };
}

MakeOptimizer lamb(double clamp_weight_norm, bool trust_all) {
  return [=](std::vector<ParamGroup> groups) {
    return std::make_unique<Lamb>(std::move(groups),
                                  LambOptions{kLambBeta1, kLambBeta2, kLambEps, clamp_weight_norm, trust_all});
  };
}

TEST(Golden, AdamWFloat64MatchesTorch) {
  expect_trajectory(adamw(), kAdamWWeightDecay, kAdamWLr, kInitF64, kAdamWF64, DType::f64, 1e-6);
}

TEST(Golden, AdamWFloat32MatchesTorch) {
  expect_trajectory(adamw(), kAdamWWeightDecay, kAdamWLr, kInitF32, kAdamWF32, DType::f32, 1e-5);
}

TEST(Golden, SgdMomentumFloat64MatchesTorch) {
  expect_trajectory(sgd(false), kSgdWeightDecay, kSgdLr, kInitF64, kSgdF64, DType::f64, 1e-6);
}

TEST(Golden, SgdMomentumFloat32MatchesTorch) {
  expect_trajectory(sgd(false), kSgdWeightDecay, kSgdLr, kInitF32, kSgdF32, DType::f32, 1e-5);
}

TEST(Golden, SgdNesterovFloat64MatchesTorch) {
  expect_trajectory(sgd(true), kSgdWeightDecay, kSgdLr, kInitF64, kSgdNesterovF64, DType::f64, 1e-6);
}

TEST(Golden, SgdNesterovFloat32MatchesTorch) {
  expect_trajectory(sgd(true), kSgdWeightDecay, kSgdLr, kInitF32, kSgdNesterovF32, DType::f32, 1e-5);
}

TEST(Golden, LambFloat64MatchesHandWrittenTorch) {
  expect_trajectory(lamb(kLambDefaultClampWeightNorm, false), kLambWeightDecay, kLambLr, kInitF64, kLambDefaultF64,
                    DType::f64, 1e-10);
}

TEST(Golden, LambFloat32MatchesHandWrittenTorch) {
  expect_trajectory(lamb(kLambDefaultClampWeightNorm, false), kLambWeightDecay, kLambLr, kInitF32, kLambDefaultF32,
                    DType::f32, 1e-5);
}

TEST(Golden, LambTrustAllWithClampFloat64MatchesHandWrittenTorch) {
  expect_trajectory(lamb(kLambTrustAllClampWeightNorm, true), kLambWeightDecay, kLambLr, kInitF64,
                    kLambTrustAllF64, DType::f64, 1e-10);
}

TEST(Golden, LambTrustAllWithClampFloat32MatchesHandWrittenTorch) {
  expect_trajectory(lamb(kLambTrustAllClampWeightNorm, true), kLambWeightDecay, kLambLr, kInitF32,
                    kLambTrustAllF32, DType::f32, 1e-5);
}

// The two LAMB variants differ (trust ratio on the bias, the clamp), so each golden pins its options.
TEST(Golden, LambVariantsDiffer) {
  double worst = 0;
  for (int j = 0; j < kNumel; ++j) worst = std::max(worst, std::abs(kLambDefaultF64[kSteps - 1][j] - kLambTrustAllF64[kSteps - 1][j]));
  EXPECT_GT(worst, 1e-3);
}

// The goldens must be able to fail: dropping weight decay (or the no-decay grouping) moves the
// trajectory well outside the tolerance.
TEST(Golden, TrajectoryDetectsAMissingWeightDecay) {
  NamedParameters params = test::toy_params(DType::f64);
  AdamW opt(make_param_groups(params, 0.0), AdamWOptions{kAdamWBeta1, kAdamWBeta2, kAdamWEps});
  for (int step = 0; step < kSteps; ++step) {
    test::set_toy_grads(params);
    opt.step(test::toy_lr(kAdamWLr, step));
  }
  std::vector<double> got = test::flat_values(params);
  double worst = 0;
  for (int j = 0; j < kNumel; ++j) worst = std::max(worst, std::abs(got[j] - kAdamWF64[kSteps - 1][j]));
  EXPECT_GT(worst, 1e-3);
}

}  // namespace
}  // namespace sf
