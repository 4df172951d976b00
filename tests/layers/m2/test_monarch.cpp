// Monarch matrices and the block-diagonal Linear (layers/m2/monarch.h) against dense matrices built
// entry by entry from the definition: P the grid transpose, L and R block-diagonal.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "core/ops.h"
#include "layers/m2/monarch.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

// n×n matrices from the definition, in float64.
Tensor grid_transpose(int64_t b) {
  Tensor p = zeros({b * b, b * b}, DType::f64);
  for (int64_t c = 0; c < b; ++c)
    for (int64_t e = 0; e < b; ++e) p.narrow(0, e * b + c, 1).narrow(1, c * b + e, 1).fill_(1.0);  // (Px)[e·b+c] = x[c·b+e]
  return p;
}

Tensor block_diagonal(const Tensor& blocks) {  // (k, r, c) -> (k·r, k·c)
  const int64_t k = blocks.size(0), r = blocks.size(1), c = blocks.size(2);
  Tensor d = zeros({k * r, k * c}, DType::f64);
  for (int64_t i = 0; i < k; ++i) d.narrow(0, i * r, r).narrow(1, i * c, c).copy_(blocks.narrow(0, i, 1).view({r, c}));
  return d;
}

TEST(Monarch, MultiplyEqualsTheDenseProductOfItsFactors) {
  for (int64_t b : {2, 3, 4}) {
    const int64_t n = b * b;
    const Tensor L = test::randn({b, b, b}, 1), R = test::randn({b, b, b}, 2), x = test::randn({2, 3, n}, 3);
    const Tensor P = grid_transpose(b), Ld = block_diagonal(L), Rd = block_diagonal(R);
    const Tensor plpr = matmul(matmul(matmul(P, Ld), P), Rd);
    for (bool permute_input : {false, true}) {
      const Tensor M = permute_input ? matmul(plpr, P) : plpr;
      const Tensor want = matmul(x, M, false, true);  // rows: M x
      const Tensor got = monarch_multiply(Variable(x), Variable(L), Variable(R), permute_input).data();
      EXPECT_LT(max_abs_diff(got, want), 1e-12) << "b=" << b << " permute_input=" << permute_input;
      EXPECT_LT(max_abs_diff(monarch_dense(L, R, permute_input), M), 1e-12);
    }
  }
}

TEST(Monarch, Gradcheck) {
  for (bool permute_input : {false, true}) {
    GradcheckResult r = gradcheck(
        [permute_input](const std::vector<Variable>& v) { return monarch_multiply(v[0], v[1], v[2], permute_input); },
        {test::randn({2, 9}, 4), test::randn({3, 3, 3}, 5), test::randn({3, 3, 3}, 6)});
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(Monarch, LinearNeedsASquareWidthAndHasTwoNToTheThreeHalvesWeights) {
  MonarchLinear m(16, 16, true, true, DType::f64);
  EXPECT_EQ(m.num_parameters(), 2 * 64 + 16);
  EXPECT_NE(test::error_of([] { MonarchLinear(12, 12, false, true); }).find("12 is not a perfect square"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { MonarchLinear(16, 40, false, true); }).find("must be a multiple of the smaller"),
            std::string::npos);
}

// Our rectangular construction: n -> r·n stacks r square maps' outputs, r·n -> n sums them over the
// input's chunks. Each against the dense matrix assembled from monarch_dense of every map.
TEST(Monarch, RectangularLinearIsAStackOfSquareMaps) {
  for (bool permute_input : {false, true}) {
    for (auto [in, out] : {std::pair<int64_t, int64_t>{9, 27}, std::pair<int64_t, int64_t>{27, 9}}) {
      MonarchLinear m(in, out, true, permute_input, DType::f64);
      m.init_parameters(3);
      const int64_t n = 9, maps = std::max(in, out) / n;
      EXPECT_EQ(m.num_parameters(), maps * 2 * 27 + out);
      Tensor W = zeros({out, in}, DType::f64);
      for (int64_t i = 0; i < maps; ++i) {
        const Tensor M = monarch_dense(m.left().data().select(0, i), m.right().data().select(0, i), permute_input);
        (out > in ? W.narrow(0, i * n, n) : W.narrow(1, i * n, n)).copy_(M);
      }
      const Tensor x = test::randn({2, 3, in}, 10);
      const Tensor bias = m.named_parameters()[2].second.data();
      EXPECT_LT(max_abs_diff(m.forward(Variable(x)).data(), matmul(x, W, false, true) + bias), 1e-12)
          << in << " -> " << out;
      GradcheckResult r = gradcheck([&] { return sum(m.forward(Variable(x)) * Variable(test::randn({2, 3, out}, 11))); },
                                    m.parameters());
      EXPECT_TRUE(r.ok) << r.report;
    }
  }
}

// Blocks U(±(3/c)^{1/4}/√b) give each output the variance of a dense U(±1/√in) Linear's: var(x)/3.
TEST(Monarch, LinearInitMatchesTheVarianceOfADenseLinear) {
  for (auto [in, out] : {std::pair<int64_t, int64_t>{64, 64}, std::pair<int64_t, int64_t>{256, 64}}) {
    MonarchLinear m(in, out, false, false, DType::f64);
    m.init_parameters(5);
    const Tensor y = m.forward(Variable(test::randn({4096, in}, 6))).data();
    EXPECT_NEAR(mean(y * y).item<double>(), 1.0 / 3.0, 0.03) << in << " -> " << out;
  }
}

TEST(BlockdiagLinear, EqualsTheDenseBlockDiagonalMatrix) {
  BlockdiagLinear lin(8, 12, 4, true, DType::f64);
  lin.init_parameters(7);
  const Tensor x = test::randn({3, 5, 8}, 8);
  const Tensor W = block_diagonal(lin.weight().data());  // (12, 8)
  const Tensor bias = lin.named_parameters()[1].second.data();
  const Tensor want = matmul(x, W, false, true) + bias;
  EXPECT_LT(max_abs_diff(lin.forward(Variable(x)).data(), want), 1e-12);
  GradcheckResult r = gradcheck([&] { return sum(lin.forward(Variable(x)) * Variable(test::randn({3, 5, 12}, 9))); },
                                lin.parameters());
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_NE(test::error_of([] { BlockdiagLinear(8, 10, 4, false); }).find("4 blocks must divide"), std::string::npos);
}

// The per-block GEMMs with their hand-written backward against the batched composite they replaced:
// permute the chunks to the batch dim, one batched matmul, permute back.
TEST(BlockdiagLinear, MatchesTheBatchedCompositeWithGradients) {
  for (bool bias : {false, true}) {
    BlockdiagLinear lin(12, 8, 4, bias, DType::f64);
    lin.init_parameters(3);
    const Tensor x0 = test::randn({2, 5, 12}, 4), r = test::randn({2, 5, 8}, 5);
    const std::vector<Variable> params = lin.parameters();
    auto run = [&](bool fused) {
      for (Variable p : params) p.zero_grad();
      Variable x(x0, true);
      Variable y;
      if (fused) {
        y = lin.forward(x);
      } else {
        const Variable z = permute(reshape(x, {10, 4, 3}), {1, 0, 2});
        y = reshape(contiguous(permute(matmul(z, params[0], false, true), {1, 0, 2})), {2, 5, 8});
        if (bias) y = y + params[1];
      }
      sum(y * Variable(r)).backward();
      std::vector<Tensor> out{y.data(), x.grad()};
      for (const Variable& p : params) out.push_back(p.grad().clone());
      return out;
    };
    const auto fused = run(true), ref = run(false);
    for (size_t i = 0; i < fused.size(); ++i)
      EXPECT_LT(max_abs_diff(fused[i], ref[i]), 1e-12) << "tensor " << i << " (y, dx, dW, db), bias " << bias;
    GradcheckResult g = gradcheck([&](const std::vector<Variable>& v) { return lin.forward(v[0]); }, {x0});
    EXPECT_TRUE(g.ok) << g.report;
  }
}

}  // namespace
}  // namespace sf
