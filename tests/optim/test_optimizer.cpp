// Optimizer base: parameter groups, the factory, zero_grad, skipped parameters, state export/import,
// and bitwise independence of the thread count.
#include <gtest/gtest.h>

#include "tests/support.h"

#include <cmath>
#include <cstring>
#include <memory>

#include "core/ops.h"
#include "core/parallel.h"
#include "optim/adamw.h"
#include "optim/factory.h"
#include "optim/sgd.h"
#include "toy_problem.h"

namespace sf {
namespace {

using namespace optim_golden;

using test::error_of;

TEST(ParamGroups, MatricesDecayVectorsDoNotFrozenAndTiedAreDropped) {
  NamedParameters params = test::toy_params(DType::f32);
  Variable frozen(zeros({4, 4}), false);
  params.emplace_back("frozen.weight", frozen);
  params.emplace_back("head.weight", params[2].second);  // tied to emb.weight
  std::vector<ParamGroup> groups = make_param_groups(params, 0.1);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].names, (std::vector<std::string>{"layer.weight", "emb.weight"}));
  EXPECT_EQ(groups[0].weight_decay, 0.1);
  EXPECT_EQ(groups[1].names, (std::vector<std::string>{"layer.bias"}));
  EXPECT_EQ(groups[1].weight_decay, 0.0);
  EXPECT_TRUE(groups[1].params[0].same(params[1].second));
}

TEST(ParamGroups, NoDecayGroupIsNotDecayed) {
  // With zero gradients the Adam update is exactly 0, so only the decoupled decay moves a parameter.
  NamedParameters params = test::toy_params(DType::f64);
  std::vector<double> before = test::flat_values(params);
  AdamW opt(make_param_groups(params, 0.5));
  for (auto& [name, p] : params) p.set_grad(zeros_like(p.data()));
  const double lr = 0.1;
  opt.step(lr);
  std::vector<double> after = test::flat_values(params);
  int64_t j = 0;
  for (const auto& [name, p] : params) {
    const bool decays = p.dim() >= 2;
    for (int64_t e = 0; e < p.numel(); ++e, ++j) {
      const double expected = decays ? before[j] * (1 - lr * 0.5) : before[j];
      EXPECT_EQ(after[j], expected) << name << " element " << e;
    }
  }
}

TEST(ParamGroups, HintsSetTheirOwnLearningRateAndDecayAndDecayAllDecaysVectors) {
  NamedParameters params = test::toy_params(DType::f32);  // layer.weight, layer.bias, emb.weight
  // A hint on the bias asks for lr 1e-4 at a run lr of 1e-3 and decay 0.5; one on emb.weight only for a
  // decay, which equals the default group's, so it stays there.
  ParamHints hints{{"layer.bias", ParamHint{1e-4, 0.5}}, {"emb.weight", ParamHint{std::nullopt, 0.1}}};
  std::vector<ParamGroup> groups = make_param_groups(params, GroupingRule{0.1, false, 1e-3, hints});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].names, (std::vector<std::string>{"layer.weight", "emb.weight"}));
  EXPECT_EQ(groups[1].names, (std::vector<std::string>{"layer.bias"}));
  EXPECT_DOUBLE_EQ(groups[1].lr_scale, 0.1);
  EXPECT_EQ(groups[1].weight_decay, 0.5);

  groups = make_param_groups(params, GroupingRule{0.1, true, 1e-3, {}});
  ASSERT_EQ(groups.size(), 1u) << "decay_all puts the bias in the decayed group";
  EXPECT_EQ(groups[0].names.size(), 3u);

  EXPECT_NE(error_of([&] { make_param_groups(params, GroupingRule{0.1, false, 1e-3, {{"layer.gone", {}}}}); })
                .find("hints parameter 'layer.gone', which is not among the parameters"),
            std::string::npos);
}

TEST(ParamGroups, AHintedLearningRateScalesTheUpdate) {
  // AdamW's first step moves each element by lr * lr_scale (g / |g|, bias-corrected), so the hinted bias
  // moves a tenth of what it moves without the hint.
  const auto bias_step = [](const ParamHints& hints) {
    NamedParameters params = test::toy_params(DType::f64);
    const std::vector<double> before = to_vector<double>(params[1].second.data());
    AdamW opt(make_param_groups(params, GroupingRule{0.0, false, 1e-2, hints}));
    test::set_toy_grads(params);
    opt.step(1e-2);
    return std::abs(to_vector<double>(params[1].second.data())[0] - before[0]);
  };
  const double plain = bias_step({}), hinted = bias_step({{"layer.bias", ParamHint{1e-3, std::nullopt}}});
  EXPECT_NEAR(plain, 1e-2, 1e-6);
  EXPECT_NEAR(hinted / plain, 0.1, 1e-9);
}

TEST(Optimizer, RejectsTiedStorageDuplicateNamesAndFrozenTensors) {
  Variable w(ones({2, 2}), true);
  Variable view_of_w(w.data().view({4}), true);
  EXPECT_NE(error_of([&] { AdamW({{{"a", "b"}, {w, view_of_w}, 0.0}}); }).find("shares its storage with 'a'"),
            std::string::npos);
  Variable other(ones({2, 2}), true);
  EXPECT_NE(error_of([&] { AdamW({{{"a"}, {w}, 0.0}, {{"a"}, {other}, 0.0}}); }).find("'a' appears twice"),
            std::string::npos);
  Variable frozen(ones({2}), false);
  EXPECT_NE(error_of([&] { Sgd({{{"f"}, {frozen}, 0.0}}); }).find("does not require grad"), std::string::npos);
  Variable half(zeros({2}, DType::bf16), true);
  EXPECT_NE(error_of([&] { Sgd({{{"h"}, {half}, 0.0}}); }).find("bfloat16"), std::string::npos);
  EXPECT_NE(error_of([&] { Sgd({{{"w"}, {other}, 0.0}}, SgdOptions{0.0, true}); }).find("Nesterov"),
            std::string::npos);
}

TEST(Optimizer, ParametersWithoutGradientAreSkippedAndZeroGradClears) {
  NamedParameters params = test::toy_params(DType::f64);
  AdamW opt(make_param_groups(params, 0.1));
  test::set_toy_grads(params);
  params[1].second.zero_grad();  // layer.bias gets no gradient this step
  std::vector<double> bias_before = to_vector<double>(params[1].second.data());
  std::vector<double> weight_before = to_vector<double>(params[0].second.data());
  opt.step(0.01);
  EXPECT_EQ(to_vector<double>(params[1].second.data()), bias_before);
  EXPECT_NE(to_vector<double>(params[0].second.data()), weight_before);
  for (const auto& [name, t] : opt.state_tensors()) {
    if (name == "exp_avg/layer.bias") {
      EXPECT_EQ(max_abs_diff(t, zeros_like(t)), 0.0);
    }
  }
  opt.zero_grad();
  for (const auto& [name, p] : params) EXPECT_FALSE(p.grad().defined()) << name;
}

TEST(Optimizer, RejectsAGradientOfTheWrongShapeOrABadLearningRate) {
  NamedParameters params = test::toy_params(DType::f32);
  Sgd opt(make_param_groups(params, 0.0), SgdOptions{0.9, false});
  test::set_toy_grads(params);
  params[0].second.set_grad(zeros({4, 3}));
  std::string msg = error_of([&] { opt.step(0.1); });
  EXPECT_NE(msg.find("layer.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(4, 3)"), std::string::npos) << msg;
  test::set_toy_grads(params);
  EXPECT_NE(error_of([&] { opt.step(-1.0); }).find("learning rate"), std::string::npos);
  EXPECT_NE(error_of([&] { opt.step(NAN); }).find("learning rate"), std::string::npos);
}

TEST(Optimizer, FactoryBuildsTheConfiguredOptimizer) {
  NamedParameters params = test::toy_params(DType::f32);
  OptimConfig config;
  config.beta2 = 0.95;
  config.eps = 1e-6;
  config.weight_decay = 0.2;
  std::unique_ptr<Optimizer> a = make_optimizer(config, params);
  ASSERT_STREQ(a->name(), "AdamW");
  EXPECT_EQ(static_cast<AdamW&>(*a).options().beta2, 0.95);
  EXPECT_EQ(static_cast<AdamW&>(*a).options().eps, 1e-6);
  EXPECT_EQ(a->groups()[0].weight_decay, 0.2);
  config.name = OptimizerKind::sgd;
  config.momentum = 0.5;
  config.nesterov = true;
  std::unique_ptr<Optimizer> s = make_optimizer(config, params);
  ASSERT_STREQ(s->name(), "SGD");
  EXPECT_EQ(static_cast<Sgd&>(*s).options().momentum, 0.5);
  EXPECT_TRUE(static_cast<Sgd&>(*s).options().nesterov);
  EXPECT_NE(error_of([&] { make_optimizer(config, {{"frozen", Variable(ones({2}), false)}}); })
                .find("no trainable parameters"),
            std::string::npos);
}

// --- state export / import ------------------------------------------------------------------

NamedParameters copy_params(const NamedParameters& params) {
  NamedParameters out;
  for (const auto& [name, p] : params) out.emplace_back(name, Variable(p.data().clone(), true));
  return out;
}

NamedTensors copy_state(const NamedTensors& state) {
  NamedTensors out;
  for (const auto& [name, t] : state) out.emplace_back(name, t.clone());
  return out;
}

template <class Opt, class Options>
void expect_resume_continues_identically(DType dtype, Options options) {
  NamedParameters straight = test::toy_params(dtype);
  Opt a(make_param_groups(straight, 0.1), options);
  NamedParameters first = test::toy_params(dtype);
  Opt b(make_param_groups(first, 0.1), options);
  for (int step = 0; step < 10; ++step) {
    test::set_toy_grads(straight);
    a.step(test::toy_lr(0.05, step));
    if (step < 5) {
      test::set_toy_grads(first);
      b.step(test::toy_lr(0.05, step));
    }
  }
  // "Checkpoint" after 5 steps: fresh parameters and a fresh optimizer, then the saved state.
  NamedTensors saved = copy_state(b.state_tensors());
  NamedParameters resumed = copy_params(first);
  Opt c(make_param_groups(resumed, 0.1), options);
  c.load_state_tensors(saved);
  EXPECT_EQ(c.steps_taken(), 5);
  for (int step = 5; step < 10; ++step) {
    test::set_toy_grads(resumed);
    c.step(test::toy_lr(0.05, step));
  }
  EXPECT_EQ(test::flat_values(resumed), test::flat_values(straight)) << a.name();
  EXPECT_EQ(c.steps_taken(), a.steps_taken());
}

TEST(OptimizerState, AdamWResumeContinuesTheIdenticalTrajectory) {
  expect_resume_continues_identically<AdamW>(DType::f32, AdamWOptions{0.9, 0.95, 1e-8});
  expect_resume_continues_identically<AdamW>(DType::f64, AdamWOptions{0.9, 0.95, 1e-8});
}

TEST(OptimizerState, SgdResumeContinuesTheIdenticalTrajectory) {
  expect_resume_continues_identically<Sgd>(DType::f32, SgdOptions{0.9, true});
}

TEST(OptimizerState, NamesFollowThePyTorchBuffers) {
  NamedParameters params = test::toy_params(DType::f32);
  AdamW opt(make_param_groups(params, 0.1));
  std::vector<std::string> names;
  for (const auto& [name, t] : opt.state_tensors()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"exp_avg/layer.weight", "exp_avg/emb.weight", "exp_avg/layer.bias",
                                             "exp_avg_sq/layer.weight", "exp_avg_sq/emb.weight",
                                             "exp_avg_sq/layer.bias", "step"}));
  Sgd plain(make_param_groups(params, 0.0));
  ASSERT_EQ(plain.state_tensors().size(), 1u);  // no momentum: only the step count
}

TEST(OptimizerState, MismatchedShapesAreRefusedNamingBothShapes) {
  NamedParameters params = test::toy_params(DType::f32);
  AdamW opt(make_param_groups(params, 0.1));
  NamedTensors state = copy_state(opt.state_tensors());
  for (auto& [name, t] : state)
    if (name == "exp_avg_sq/layer.weight") t = zeros({4, 3});
  test::set_toy_grads(params);
  opt.step(0.1);
  NamedTensors before = copy_state(opt.state_tensors());
  std::string msg = error_of([&] { opt.load_state_tensors(state); });
  EXPECT_NE(msg.find("exp_avg_sq/layer.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(4, 3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(3, 4)"), std::string::npos) << msg;
  // Nothing was loaded: the state is still the one after the step.
  NamedTensors after = opt.state_tensors();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(max_abs_diff(after[i].second, before[i].second), 0.0);
  EXPECT_EQ(opt.steps_taken(), 1);
}

TEST(OptimizerState, MissingUnknownAndBadStepEntriesAreRefused) {
  NamedParameters params = test::toy_params(DType::f32);
  AdamW opt(make_param_groups(params, 0.1));
  NamedTensors good = copy_state(opt.state_tensors());

  NamedTensors missing(good.begin() + 1, good.end());
  EXPECT_NE(error_of([&] { opt.load_state_tensors(missing); }).find("'exp_avg/layer.weight' is missing"),
            std::string::npos);
  NamedTensors unknown = good;
  unknown.emplace_back("exp_avg/old.weight", zeros({2}));
  EXPECT_NE(error_of([&] { opt.load_state_tensors(unknown); }).find("'exp_avg/old.weight' does not belong"),
            std::string::npos);
  NamedTensors bad_step = good;
  bad_step.back().second = scalar_tensor(2.5, DType::f64);
  EXPECT_NE(error_of([&] { opt.load_state_tensors(bad_step); }).find("'step' is 2.5"), std::string::npos);
  Sgd sgd(make_param_groups(params, 0.1), SgdOptions{0.9, false});
  EXPECT_NE(error_of([&] { sgd.load_state_tensors(good); }).find("momentum_buffer/layer.weight' is missing"),
            std::string::npos);
}

// --- threads ----------------------------------------------------------------------------------

// Parameters big enough to be split across threads at boundaries that are not multiples of the
// vector width, plus a small one that shares a chunk with its neighbours.
NamedParameters big_params(DType dtype) {
  NamedParameters out;
  const Shape shapes[] = {{317, 331}, {7}, {50003}};
  const char* names[] = {"a.weight", "a.bias", "b.weight"};
  for (int t = 0; t < 3; ++t) {
    std::vector<double> v(shape_numel(shapes[t]));
    for (size_t j = 0; j < v.size(); ++j) v[j] = std::sin(0.001 * static_cast<double>(j) + t);
    out.emplace_back(names[t], Variable(from_vector<double>(v, shapes[t]).to(dtype), true));
  }
  return out;
}

template <class Opt, class Options>
std::vector<double> run_with_threads(int threads, DType dtype, Options options) {
  const int previous = num_threads();
  set_num_threads(threads);
  NamedParameters params = big_params(dtype);
  Opt opt(make_param_groups(params, 0.1), options);
  for (int step = 0; step < 3; ++step) {
    for (auto& [name, p] : params)
      p.set_grad(p.dtype() == DType::f32 ? test::toy_grad<float>(p.data(), 1.7) : test::toy_grad<double>(p.data(), 1.7));
    opt.step(0.01);
  }
  set_num_threads(previous);
  return test::flat_values(params);
}

TEST(OptimizerThreads, OneAndTwoThreadsGiveBitIdenticalParameters) {
  for (DType dtype : {DType::f32, DType::f64}) {
    std::vector<double> a1 = run_with_threads<AdamW>(1, dtype, AdamWOptions{});
    std::vector<double> a2 = run_with_threads<AdamW>(2, dtype, AdamWOptions{});
    ASSERT_EQ(a1.size(), a2.size());
    EXPECT_EQ(std::memcmp(a1.data(), a2.data(), a1.size() * sizeof(double)), 0) << dtype_name(dtype);
    std::vector<double> s1 = run_with_threads<Sgd>(1, dtype, SgdOptions{0.9, true});
    std::vector<double> s2 = run_with_threads<Sgd>(2, dtype, SgdOptions{0.9, true});
    EXPECT_EQ(std::memcmp(s1.data(), s2.data(), s1.size() * sizeof(double)), 0) << dtype_name(dtype);
  }
}

}  // namespace
}  // namespace sf
