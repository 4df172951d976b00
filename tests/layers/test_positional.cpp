// Positional encodings (layers/transformer/positional.h): sinusoidal table, RoPE pairing and relative
// invariance, ALiBi slopes and bias.
#include <gtest/gtest.h>

#include <cmath>

#include "layers/transformer/positional.h"
#include "test_util.h"

namespace sf {
namespace {

TEST(Sinusoidal, MatchesTheFormula) {
  const int64_t dim = 6;
  Tensor pe = sinusoidal_table(20, dim, DType::f64);
  for (int64_t t : {0, 1, 7, 19}) {
    for (int64_t i = 0; i < dim / 2; ++i) {
      const double angle = t / std::pow(10000.0, 2.0 * i / dim);
      EXPECT_NEAR(pe.at({t, 2 * i}), std::sin(angle), 1e-15);
      EXPECT_NEAR(pe.at({t, 2 * i + 1}), std::cos(angle), 1e-15);
    }
  }
}

// Row t of the result is rope(x, t): every row of the input holds x.
Tensor rotate_every_position(const Tensor& x, const RopeTables& tables) {
  const int64_t length = tables.cos.size(0);
  return apply_rope(Variable(x.reshape({1, -1}).expand({length, x.numel()}).contiguous()), tables).data();
}

double dot_rows(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  return sum(a.select(0, i) * b.select(0, j)).item<double>();
}

TEST(Rope, UsesHalfSplitPairing) {
  const int64_t head = 8, half = head / 2;
  RopeTables tables = rope_tables(10, head, 10000.0, DType::f64);
  std::vector<double> e(head, 0.0);
  e[1] = 1.0;  // first half, frequency index 1: pairs with element 1 + half
  Tensor r = rotate_every_position(from_vector<double>(e, {head}), tables);
  const double omega = std::pow(10000.0, -2.0 / head);
  for (int64_t t = 0; t < 10; ++t) {
    EXPECT_NEAR(r.at({t, 1}), std::cos(t * omega), 1e-15);
    EXPECT_NEAR(r.at({t, 1 + half}), std::sin(t * omega), 1e-15);
    for (int64_t c : {0, 2, 3, 4, 6, 7}) EXPECT_EQ(r.at({t, c}), 0.0);
  }
}

TEST(Rope, ScoreDependsOnlyOnRelativePosition) {
  const int64_t head = 8;
  RopeTables tables = rope_tables(64, head, 10000.0, DType::f64);
  Tensor q = rotate_every_position(test::randn({head}, 1), tables);
  Tensor k = rotate_every_position(test::randn({head}, 2), tables);
  for (auto [t1, t2] : {std::pair{3, 7}, std::pair{10, 2}, std::pair{0, 0}}) {
    const double base = dot_rows(q, t1, k, t2);
    for (int delta : {1, 10, 40}) EXPECT_NEAR(dot_rows(q, t1 + delta, k, t2 + delta), base, 1e-12);
  }
  EXPECT_GT(std::abs(dot_rows(q, 3, k, 7) - dot_rows(q, 3, k, 9)), 1e-6);  // but it does depend on t1 − t2
}

TEST(Alibi, SlopesForPowerOfTwoHeads) {
  std::vector<double> m = alibi_slopes(8);
  ASSERT_EQ(m.size(), 8u);
  for (int h = 1; h <= 8; ++h) EXPECT_EQ(m[h - 1], std::exp2(-8.0 * h / 8));
}

TEST(Alibi, SlopesForOtherHeadCounts) {
  // H = 6: the 4 slopes 2^(−2h), then slopes 1 and 3 (h = 1, 3) of the 8-head sequence 2^(−h).
  EXPECT_EQ(alibi_slopes(6), (std::vector<double>{0.25, 1.0 / 16, 1.0 / 64, 1.0 / 256, 0.5, 0.125}));
  EXPECT_EQ(alibi_slopes(1), (std::vector<double>{1.0 / 256}));
  EXPECT_EQ(alibi_slopes(3).size(), 3u);
}

TEST(Alibi, BiasIsMinusSlopeTimesDistance) {
  Tensor b = alibi_bias(6, 5, DType::f64);
  EXPECT_EQ(b.shape(), (Shape{6, 5, 5}));
  std::vector<double> m = alibi_slopes(6);
  EXPECT_EQ(b.at({0, 4, 1}), -m[0] * 3);
  EXPECT_EQ(b.at({5, 2, 2}), 0.0);
  EXPECT_EQ(b.at({4, 3, 0}), -m[4] * 3);
}

}  // namespace
}  // namespace sf
