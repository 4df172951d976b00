// The backward engine: accumulation, graph release, no-grad, detach, hooks, views.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "tests/random.h"

namespace sf {
namespace {

Variable leaf(const std::vector<double>& v, const Shape& s) { return Variable(from_vector<double>(v, s), true); }

TEST(Engine, VariableUsedTwiceGetsTheSumOfItsGradients) {
  Variable x = leaf({1, 2, 3}, {3});
  sum(mul(x, x) + x * 3.0).backward();
  EXPECT_EQ(to_vector<double>(x.grad()), (std::vector<double>{5, 7, 9}));  // 2x + 3
}

TEST(Engine, BackwardFromSeveralOutputsEqualsBackwardFromTheirWeightedSum) {
  // Two outputs sharing a subgraph: one pass with a gradient per output = backward of <g1, y1> + <g2, y2>.
  std::vector<Tensor> grads;
  for (bool joint : {true, false}) {
    Variable x(from_vector<double>({0.3, -1.2, 2.0}, {3}), true);
    const Variable shared = tanh(x) * x;
    const Variable y1 = exp(shared), y2 = sum(shared * shared);
    const Tensor g1 = from_vector<double>({1.0, -2.0, 0.5}, {3}), g2 = from_vector<double>({3.0}, {});
    if (joint) backward({y1, y2, Variable(g1)}, {g1, g2, g1});  // an output without grad is skipped
    else (sum(y1 * Variable(g1)) + y2 * 3.0).backward();
    grads.push_back(x.grad());
  }
  EXPECT_LE(max_abs_diff(grads[0], grads[1]), 1e-14);
}

TEST(Engine, GradientsAccumulateAcrossBackwardCalls) {
  Variable x = leaf({1, 2}, {2});
  sum(x * 2.0).backward();
  sum(x * 2.0).backward();
  EXPECT_EQ(to_vector<double>(x.grad()), (std::vector<double>{4, 4}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Engine, SecondBackwardNeedsRetainGraph) {
  Variable x = leaf({1, 2}, {2});
  Variable y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_NEAR(x.grad().at({0}), 2 * std::exp(1.0), 1e-12);
  EXPECT_THROW(y.backward(), Error);
}

TEST(Engine, NoGradRecordsNothing) {
  Variable x = leaf({1, 2}, {2});
  NoGradGuard guard;
  Variable y = x * 2.0;
  EXPECT_FALSE(y.requires_grad());
  EXPECT_FALSE(y.grad_fn());
}

TEST(Engine, DetachCutsTheGraph) {
  Variable x = leaf({1, 2}, {2});
  Variable d = (x * 2.0).detach();
  EXPECT_FALSE(d.requires_grad());
  sum(mul(d, x)).backward();
  EXPECT_EQ(to_vector<double>(x.grad()), (std::vector<double>{2, 4}));  // d treated as constant
}

TEST(Engine, HooksSeeOutputAndLeafGradients) {
  Variable x = leaf({1, 2, 3}, {3});
  Variable h = x * 2.0;
  Tensor seen_h, seen_x;
  h.register_hook([&](const Tensor& g) { seen_h = g.clone(); });
  x.register_hook([&](const Tensor& g) { seen_x = g.clone(); });
  sum(h * 5.0).backward();
  EXPECT_EQ(to_vector<double>(seen_h), (std::vector<double>{5, 5, 5}));
  EXPECT_EQ(to_vector<double>(seen_x), (std::vector<double>{10, 10, 10}));
}

TEST(Engine, GradientOfNonScalarNeedsSeed) {
  Variable x = leaf({1, 2}, {2});
  EXPECT_THROW((x * 2.0).backward(), Error);
}

TEST(Engine, DeepGraphDoesNotOverflowTheStack) {
  Variable x = leaf({1}, {1});
  Variable y = x;
  for (int i = 0; i < 100000; ++i) y = y + 1e-3;
  sum(y).backward();
  EXPECT_DOUBLE_EQ(x.grad().at({0}), 1.0);
}

TEST(Views, TransposeAndNarrowShareStorage) {
  Tensor base = from_vector<double>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor t = base.transpose(0, 1);
  Tensor n = base.narrow(1, 1, 2);
  EXPECT_TRUE(t.shares_storage(base));
  EXPECT_TRUE(n.shares_storage(base));
  EXPECT_FALSE(t.is_contiguous());
  n.fill_(9.0);  // writes through to base
  EXPECT_EQ(to_vector<double>(base), (std::vector<double>{0, 9, 9, 3, 9, 9}));
  EXPECT_EQ(t.at({2, 1}), 9.0);
  EXPECT_FALSE(t.contiguous().shares_storage(base));
}

TEST(Views, GradientsFlowThroughViews) {
  Variable x = leaf({0, 1, 2, 3, 4, 5}, {2, 3});
  Variable t = transpose(x, 0, 1);                  // (3, 2)
  EXPECT_TRUE(t.data().shares_storage(x.data()));
  Variable n = narrow(t, 0, 1, 2);                  // rows 1..2 of the transpose = columns 1..2 of x
  Variable y = sum(mul(n, Variable(from_vector<double>({1, 10, 100, 1000}, {2, 2}))));
  y.backward();
  EXPECT_EQ(to_vector<double>(x.grad()), (std::vector<double>{0, 1, 100, 0, 10, 1000}));
}

}  // namespace
}  // namespace sf
