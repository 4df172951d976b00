// A float64 finite-difference gradcheck (autograd/gradcheck.h) for every differentiable op.
#include <gtest/gtest.h>

#include <algorithm>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "tests/random.h"

namespace sf {
namespace {

using V = std::vector<Variable>;

struct Case {
  std::string name;
  GradcheckFn fn;
  std::vector<Shape> shapes;
  bool positive = false;  // inputs drawn from [0.5, 2.5)
};

Tensor int_tensor(const std::vector<int64_t>& v, const Shape& s) { return from_vector<int64_t>(v, s); }

std::vector<Case> cases() {
  std::vector<Case> c;
  auto add_case = [&](std::string n, GradcheckFn f, std::vector<Shape> s, bool pos = false) {
    c.push_back({std::move(n), std::move(f), std::move(s), pos});
  };
  // element-wise binary, with broadcasting and non-contiguous operands
  for (const BinaryOpInfo& info : kBinaryOps)  // every differentiable op of the list, b broadcast
    if (info.differentiable)
      add_case(std::string("binary_") + info.name, [op = info.op](const V& v) { return binary(op, v[0], v[1]); },
               {{3, 4}, {4}}, info.domain == OpDomain::positive);
  add_case("add_transposed", [](const V& v) { return add(transpose(v[0], 0, 1), v[1]); }, {{4, 3}, {3, 4}});
  add_case("sub_broadcast", [](const V& v) { return sub(v[0], v[1]); }, {{2, 3, 4}, {3, 1}});
  add_case("mul_broadcast", [](const V& v) { return mul(v[0], v[1]); }, {{3, 4}, {3, 1}});
  add_case("mul_strided", [](const V& v) { return mul(narrow(v[0], 1, 1, 3), v[1]); }, {{3, 5}, {1, 3}});
  add_case("add_scalar", [](const V& v) { return v[0] + 1.5; }, {{3, 4}});
  add_case("mul_scalar", [](const V& v) { return v[0] * -2.5; }, {{3, 4}});
  add_case("pow_scalar", [](const V& v) { return pow(v[0], 1.7); }, {{3, 4}}, true);
  // element-wise unary
  for (const UnaryOpInfo& u : kUnaryOps)  // every op of the list, inputs drawn from its domain
    add_case(std::string("unary_") + u.name, [op = u.op](const V& v) { return unary(op, v[0]); }, {{4, 5}},
             u.domain == OpDomain::positive);
  add_case("unary_exp_transposed", [](const V& v) { return exp(transpose(v[0], 0, 1)); }, {{3, 5}});
  add_case("clamp", [](const V& v) { return clamp(v[0], -0.5, 0.5); }, {{4, 5}});
  add_case("where", [](const V& v) {
    Tensor cond = from_vector<double>({1, 0, 0, 1}, {4});
    return where(cond, v[0], v[1]);
  }, {{3, 4}, {3, 1}});
  add_case("masked_fill", [](const V& v) {
    return masked_fill(v[0], from_vector<double>({0, 1, 0, 0, 1}, {5}), -3.0);
  }, {{2, 5}});
  // reductions
  add_case("sum_all", [](const V& v) { return sum(v[0]); }, {{3, 4}});
  add_case("sum_dims", [](const V& v) { return sum(v[0], {0, 2}); }, {{2, 3, 4}});
  add_case("sum_keepdim_neg", [](const V& v) { return sum(v[0], {-1}, true); }, {{2, 3, 4}});
  add_case("mean_dims", [](const V& v) { return mean(v[0], {1}); }, {{2, 3, 4}});
  add_case("mean_transposed", [](const V& v) { return mean(transpose(v[0], 0, 2), {0}); }, {{2, 3, 4}});
  add_case("amax_dim", [](const V& v) { return amax(v[0], {1}); }, {{3, 5}});
  add_case("amax_all", [](const V& v) { return amax(v[0]); }, {{3, 5}});
  add_case("var_dim", [](const V& v) { return var(v[0], {1}); }, {{3, 5}});
  add_case("var_all_biased", [](const V& v) { return var(v[0], {}, false); }, {{3, 5}});
  // softmax family and loss
  add_case("softmax_last", [](const V& v) { return softmax(v[0], -1); }, {{3, 5}});
  add_case("softmax_dim0", [](const V& v) { return softmax(v[0], 0); }, {{3, 5}});
  add_case("log_softmax", [](const V& v) { return log_softmax(v[0], -1); }, {{2, 3, 5}});
  add_case("cross_entropy", [](const V& v) {
    return cross_entropy(v[0], int_tensor({1, 4, -100, 0, 2, 3}, {2, 3}));
  }, {{2, 3, 5}});
  // linear algebra
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      add_case("matmul_t" + std::to_string(ta) + std::to_string(tb),
               [ta, tb](const V& v) { return matmul(v[0], v[1], ta, tb); },
               {ta ? Shape{4, 3} : Shape{3, 4}, tb ? Shape{5, 4} : Shape{4, 5}});
  add_case("matmul_batched_broadcast", [](const V& v) { return matmul(v[0], v[1]); }, {{2, 3, 4}, {4, 5}});
  add_case("matmul_batched_4d", [](const V& v) { return matmul(v[0], v[1], false, true); }, {{2, 1, 3, 4}, {3, 5, 4}});
  add_case("matmul_views", [](const V& v) { return matmul(transpose(v[0], 0, 1), narrow(v[1], 0, 1, 3)); },
           {{3, 4}, {5, 2}});
  add_case("linear_bias", [](const V& v) { return linear(v[0], v[1], v[2]); }, {{2, 3, 4}, {5, 4}, {5}});
  add_case("linear_nobias", [](const V& v) { return linear(v[0], v[1]); }, {{3, 4}, {2, 4}});
  // shape ops
  add_case("reshape", [](const V& v) { return reshape(v[0], {4, -1}); }, {{2, 3, 2}});
  add_case("reshape_of_transpose", [](const V& v) { return reshape(transpose(v[0], 0, 1), {-1}); }, {{3, 4}});
  add_case("permute", [](const V& v) { return permute(v[0], {2, 0, 1}); }, {{2, 3, 4}});
  add_case("narrow", [](const V& v) { return narrow(v[0], 1, 1, 2); }, {{3, 4}});
  add_case("add_narrow", [](const V& v) { return add_narrow(v[0], -1, 2, v[1]); }, {{2, 3, 6}, {2, 3, 3}});
  add_case("add_narrow_of_a_view", [](const V& v) { return add_narrow(transpose(v[0], 0, 1), 0, 1, v[1]); },
           {{3, 4}, {2, 3}});
  add_case("select", [](const V& v) { return select(v[0], 0, -1); }, {{3, 4}});
  add_case("expand", [](const V& v) { return expand(v[0], {2, 3, 4}); }, {{3, 1}});
  add_case("unsqueeze_squeeze", [](const V& v) { return squeeze(unsqueeze(v[0], 1), 0); }, {{1, 4}});
  add_case("contiguous", [](const V& v) { return contiguous(transpose(v[0], 0, 1)); }, {{3, 4}});
  add_case("cat", [](const V& v) { return cat({v[0], v[1]}, 1); }, {{2, 3}, {2, 2}});
  add_case("stack", [](const V& v) { return stack({v[0], v[1]}, 1); }, {{2, 3}, {2, 3}});
  add_case("split", [](const V& v) {
    auto p = split(v[0], {1, 3}, 1);
    return add(mul(p[0], 2.0), sum(p[1], {1}, true));
  }, {{3, 4}});
  add_case("cumsum_dim0", [](const V& v) { return cumsum(v[0], 0); }, {{4, 3}});
  add_case("cumsum_last", [](const V& v) { return cumsum(v[0], -1); }, {{2, 3, 5}});
  // indexing
  add_case("index_select_dim1", [](const V& v) { return index_select(v[0], 1, int_tensor({2, 0, 2}, {3})); },
           {{2, 4}});
  add_case("embedding", [](const V& v) { return embedding(v[0], int_tensor({1, 3, 1, 0, 2, 1}, {2, 3})); }, {{4, 3}});
  add_case("gather", [](const V& v) { return gather(v[0], 1, int_tensor({0, 2, 1, 1}, {2, 2})); }, {{2, 3}});
  add_case("scatter_add", [](const V& v) {
    return scatter_add(v[0], 1, int_tensor({0, 2, 2, 1}, {2, 2}), v[1]);
  }, {{2, 3}, {2, 2}});
  add_case("dropout", [](const V& v) { return dropout(v[0], 0.3, true, RngStream{7, 0, kTagDrop}); }, {{4, 6}});
  return c;
}

class Gradcheck : public ::testing::TestWithParam<Case> {};

TEST_P(Gradcheck, MatchesFiniteDifferences) {
  const Case& c = GetParam();
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < c.shapes.size(); ++i)
    inputs.push_back(c.positive ? test::randpos(c.shapes[i], 10 + i) : test::randn(c.shapes[i], 10 + i));
  GradcheckResult r = gradcheck(c.fn, inputs);
  EXPECT_TRUE(r.ok) << c.name << ": " << r.report;
}

INSTANTIATE_TEST_SUITE_P(EveryOp, Gradcheck, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(GradcheckTool, CoversEveryUnaryOp) {
  // By enumerator, not through kUnaryOps, so that a case list written out by hand would be caught too.
  const std::vector<Case> all = cases();
  for (size_t i = 0; i < kUnaryOpCount; ++i) {
    const std::string name = std::string("unary_") + op_name(static_cast<UnaryOp>(i));
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Case& c) { return c.name == name; }))
        << name << " has no gradcheck case";
  }
}

TEST(GradcheckTool, CoversEveryBinaryOp) {
  // By enumerator, as above; the comparisons have no gradient and must stay out of the graph.
  const std::vector<Case> all = cases();
  const Variable a(test::randn({3}, 1), true), b(test::randn({3}, 2), true);
  for (size_t i = 0; i < kBinaryOpCount; ++i) {
    const auto op = static_cast<BinaryOp>(i);
    const std::string name = std::string("binary_") + op_name(op);
    if (binary_op_info(op).differentiable)
      EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Case& c) { return c.name == name; }))
          << name << " has no gradcheck case";
    else
      EXPECT_FALSE(binary(op, a, b).requires_grad()) << name << " joined the graph";
  }
}

TEST(GradcheckTool, CatchesAWrongBackward) {
  // An op whose recorded backward is off by a factor 2: the checker must flag it.
  GradcheckFn wrong = [](const V& v) {
    return record("wrong", v[0].data() * 3.0, {v[0]}, [](const Tensor& g) {
      return std::vector<Tensor>{g * 6.0};
    });
  };
  EXPECT_FALSE(gradcheck(wrong, {test::randn({3}, 1)}).ok);
}

}  // namespace
}  // namespace sf
