// Module base: names and order, sharing, init streams, state dicts, modes, rng seeding.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/device.h"

#include "layers/dropout.h"
#include "layers/linear.h"
#include "layers/module_list.h"
#include "test_util.h"

namespace sf {
namespace {

// A two-level tree with a shared child: `a` and `b` hold the same Linear.
class Tree : public Module {
 public:
  Tree() {
    scale = register_parameter("scale", {3}, Init::ones(), DType::f64);
    shared = std::make_shared<Linear>(3, 2, true, Init::normal(0.02), DType::f64);
    register_module("a", shared);
    register_module("b", shared);
    auto list = register_module("list", std::make_shared<ModuleList>());
    list->push_back(std::make_shared<Linear>(2, 4, false, Init::uniform(0.1), DType::f64));
    last = register_parameter("last", {5}, Init::zeros(), DType::f64);
  }
  Variable scale, last;
  std::shared_ptr<Linear> shared;
};

TEST(Module, NamesFollowRegistrationOrderAndListSharedParametersOnce) {
  Tree t;
  EXPECT_EQ(test::names_of(t), (std::vector<std::string>{"scale", "a.weight", "a.bias", "list.0.weight", "last"}));
  EXPECT_EQ(t.num_parameters(), 3 + 6 + 2 + 8 + 5);
  EXPECT_EQ(t.parameters().size(), 5u);
  EXPECT_TRUE(t.parameters()[1].same(t.shared->weight()));
  std::vector<std::string> modules;
  for (auto& [path, m] : t.named_modules()) modules.push_back(path);
  EXPECT_EQ(modules, (std::vector<std::string>{"", "a", "list", "list.0"}));
}

TEST(Module, RejectsDottedOrDuplicateNames) {
  struct Bad : Module {
    explicit Bad(int kind) {
      if (kind == 0) register_parameter("a.b", {1}, Init::zeros(), DType::f32);
      if (kind == 1) {
        register_parameter("w", {1}, Init::zeros(), DType::f32);
        register_module("w", std::make_shared<Dropout>(0.1));
      }
    }
  };
  EXPECT_THROW(Bad(0), Error);
  EXPECT_THROW(Bad(1), Error);
}

TEST(Module, InitFollowsTheKindAndDependsOnlyOnSeedAndName) {
  Tree t1, t2;
  t1.init_parameters(5);
  t2.init_parameters(5);
  for (size_t i = 0; i < t1.parameters().size(); ++i)
    EXPECT_EQ(max_abs_diff(t1.parameters()[i].data(), t2.parameters()[i].data()), 0.0);
  EXPECT_EQ(to_vector<double>(t1.scale.data()), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(to_vector<double>(test::parameter(t1, "a.bias").data()), (std::vector<double>{0, 0}));
  for (double v : to_vector<double>(test::parameter(t1, "list.0.weight").data())) {
    EXPECT_LT(std::abs(v), 0.1);
    EXPECT_NE(v, 0.0);
  }
  // The stream is a function of (seed, full name): a standalone Linear named differently draws
  // other numbers, and the same name under another seed too.
  Linear alone(3, 2, true, Init::normal(0.02), DType::f64);
  alone.init_parameters(5);
  EXPECT_GT(max_abs_diff(alone.weight().data(), t1.shared->weight().data()), 0.0);
  t2.init_parameters(6);
  EXPECT_GT(max_abs_diff(t1.shared->weight().data(), t2.shared->weight().data()), 0.0);
}

TEST(Module, TrainAndEvalReachEveryModule) {
  Tree t;
  t.eval();
  for (auto& [path, m] : t.named_modules()) EXPECT_FALSE(m->training()) << path;
  t.train();
  for (auto& [path, m] : t.named_modules()) EXPECT_TRUE(m->training()) << path;
}

TEST(Module, ForwardHooksReplaceTheOutputInOrderAndAreRemovable) {
  Linear lin(3, 2, true, Init::normal(0.5), DType::f64);
  lin.init_parameters(1);
  Variable x(test::randn({4, 3}, 2), true);
  const Tensor plain = lin.forward(x).data();
  const int64_t add_one = lin.add_forward_hook([](const Variable&, const Variable& y) { return y + 1.0; });
  lin.add_forward_hook([](const Variable& in, const Variable& y) {
    EXPECT_EQ(in.shape(), (Shape{4, 3}));
    return y * 2.0;
  });
  EXPECT_EQ(max_abs_diff(lin.forward(x).data(), (plain + 1.0) * 2.0), 0.0);  // (y + 1) * 2: in the order added
  lin.remove_hook(add_one);
  EXPECT_EQ(max_abs_diff(lin.forward(x).data(), plain * 2.0), 0.0);
  EXPECT_THROW(lin.remove_hook(add_one), Error);
}

TEST(Module, BackwardHooksSeeTheOutputGradient) {
  Linear lin(3, 2, false, Init::normal(0.5), DType::f64);
  lin.init_parameters(1);
  Variable x(test::randn({4, 3}, 2), true);
  Tensor seen;
  const int64_t id = lin.add_backward_hook([&](const Tensor& g) { seen = g.clone(); });
  sum(lin.forward(x) * 3.0).backward();
  ASSERT_TRUE(seen.defined());
  EXPECT_EQ(max_abs_diff(seen, full({4, 2}, 3.0, DType::f64)), 0.0);
  EXPECT_LE(max_abs_diff(x.grad(), matmul(full({4, 2}, 3.0, DType::f64), lin.weight().data())), 1e-12);
  lin.remove_hook(id);
  seen = Tensor();
  sum(lin.forward(x)).backward();
  EXPECT_FALSE(seen.defined());
}

// A module told of each change of mode, once per change.
class ModeCounter : public Module {
 public:
  int calls = 0;
  bool last = true;

 protected:
  void on_mode_change(bool training) override {
    ++calls;
    last = training;
  }
};

TEST(Module, ModeChangesReachAddedChildrenOncePerChange) {
  Tree t;
  auto counter = std::make_shared<ModeCounter>();
  t.shared->add_module("counter", counter);
  t.eval();
  t.eval();
  EXPECT_EQ(counter->calls, 1);
  EXPECT_FALSE(counter->last);
  t.train();
  EXPECT_EQ(counter->calls, 2);
  EXPECT_TRUE(counter->last);
  t.shared->remove_module("counter");
  t.eval();
  EXPECT_EQ(counter->calls, 2);
  EXPECT_THROW(t.shared->remove_module("counter"), Error);
}

TEST(Module, StateDictRoundTripAndErrors) {
  Tree a, b;
  a.init_parameters(1);
  b.init_parameters(2);
  StateDict sd = a.state_dict();
  ASSERT_EQ(sd.size(), 5u);
  EXPECT_EQ(sd[1].first, "a.weight");
  b.load_state_dict(sd);
  for (size_t i = 0; i < sd.size(); ++i) EXPECT_EQ(max_abs_diff(b.state_dict()[i].second, sd[i].second), 0.0);

  StateDict wrong = sd;
  wrong[1].second = zeros({2, 4}, DType::f64);
  try {
    b.load_state_dict(wrong);
    FAIL() << "shape mismatch accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("a.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(2, 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(2, 4)"), std::string::npos) << msg;
  }

  StateDict missing(sd.begin(), sd.end() - 1);
  EXPECT_THROW(b.load_state_dict(missing), Error);
  StateDict extra = sd;
  extra.emplace_back("ghost", zeros({1}, DType::f64));
  EXPECT_THROW(b.load_state_dict(extra), Error);

  // Non-strict: the missing parameter keeps its value, the unknown name is ignored.
  Tree c;
  c.init_parameters(3);
  Tensor last_before = c.last.data().clone();
  missing.emplace_back("ghost", zeros({1}, DType::f64));
  c.load_state_dict(missing, false);
  EXPECT_EQ(max_abs_diff(c.shared->weight().data(), a.shared->weight().data()), 0.0);
  EXPECT_EQ(max_abs_diff(c.last.data(), last_before), 0.0);
}

TEST(Module, FailedLoadChangesNothing) {
  Tree a, b;
  a.init_parameters(1);
  b.init_parameters(2);
  Tensor before = b.shared->weight().data().clone();
  StateDict sd = a.state_dict();
  sd.back().second = zeros({6}, DType::f64);  // "last" comes after a.weight
  EXPECT_THROW(b.load_state_dict(sd), Error);
  EXPECT_EQ(max_abs_diff(b.shared->weight().data(), before), 0.0);
}

// Counts on_device_change calls, as a module with tensors besides its parameters would move them.
class DeviceTracker : public Module {
 public:
  DeviceTracker() { weight = register_parameter("weight", {4}, Init::ones(), DType::f32); }
  Variable weight;
  std::vector<Device> moves;

 protected:
  void on_device_change(Device device) override { moves.push_back(device); }
};

TEST(Module, ToTheCurrentDeviceKeepsTheVariablesTheirValuesAndGradients) {
  Tree t;
  t.init_parameters(3);
  auto tracker = std::make_shared<DeviceTracker>();
  t.add_module("tracker", tracker);
  std::vector<Variable> before = t.parameters();
  std::vector<Tensor> storage;
  for (Variable& p : before) storage.push_back(p.data());
  before[0].set_grad(ones({3}, DType::f64));
  t.to(Device::cpu());
  EXPECT_TRUE(t.device().is_cpu());
  std::vector<Variable> after = t.parameters();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].same(before[i])) << i;  // an optimizer holding them sees the move
    EXPECT_TRUE(after[i].data().shares_storage(storage[i])) << i;  // already there: no copy
  }
  EXPECT_TRUE(after[0].grad().defined());
  ASSERT_EQ(tracker->moves.size(), 1u);  // once per module, even when reachable twice
  EXPECT_TRUE(tracker->moves[0].is_cpu());
}

TEST(Module, AFailedMoveLeavesTheModelWhereItWas) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is visible: the move would succeed (tests/gpu checks it)";
  Tree t;
  t.init_parameters(3);
  auto tracker = std::make_shared<DeviceTracker>();
  t.add_module("tracker", tracker);
  std::vector<Tensor> storage;
  for (const Variable& p : t.parameters()) storage.push_back(p.data());
  EXPECT_THROW(t.to(Device::cuda()), Error);
  const std::vector<Variable> params = t.parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(params[i].data().device().is_cpu()) << i;
    EXPECT_TRUE(params[i].data().shares_storage(storage[i])) << i;
  }
  EXPECT_TRUE(tracker->moves.empty());
}

TEST(Module, ParameterSummaryCountsSubtrees) {
  Tree t;
  auto rows = t.parameter_summary();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].path, "a");
  EXPECT_EQ(rows[0].count, 8);
  EXPECT_EQ(rows[1].path, "list");
  EXPECT_EQ(rows[1].depth, 1);
  EXPECT_EQ(rows[2].path, "list.0");
  EXPECT_EQ(rows[2].depth, 2);
  EXPECT_EQ(rows[2].count, 8);
}

TEST(Dropout, MasksComeFromTheStepSeedAndDifferPerCall) {
  Dropout drop(0.5);
  Variable x(ones({64}, DType::f64));
  EXPECT_THROW(drop.forward(x), Error);  // training mode needs set_rng_step first
  drop.set_rng_step(7, 3);
  Tensor first = drop.forward(x).data(), second = drop.forward(x).data();
  EXPECT_GT(max_abs_diff(first, second), 0.0);
  for (double v : to_vector<double>(first)) EXPECT_TRUE(v == 0.0 || v == 2.0) << v;
  drop.set_rng_step(7, 3);
  EXPECT_EQ(max_abs_diff(drop.forward(x).data(), first), 0.0);
  drop.set_rng_step(7, 4);
  EXPECT_GT(max_abs_diff(drop.forward(x).data(), first), 0.0);
  drop.eval();
  EXPECT_EQ(max_abs_diff(drop.forward(x).data(), x.data()), 0.0);
}

}  // namespace
}  // namespace sf
