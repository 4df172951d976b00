// The chunked scan against forward substitution, diagonal and 2×2 blocks.
#include <gtest/gtest.h>

#include "layers/rnn/linear_scan.h"
#include "tests/random.h"

namespace sf {
namespace {

struct Case {
  bool block;
  int64_t L, chunk;
};

class LinearScanTest : public ::testing::TestWithParam<Case> {};

TEST_P(LinearScanTest, ChunkedEqualsForwardSubstitution) {
  const Case c = GetParam();
  const int64_t B = 3, d = 5;
  Tensor A = c.block ? test::randn({B, c.L, 4, d}, 1) * 0.6 : test::randn({B, c.L, d}, 1) * 0.9;
  Tensor b = c.block ? test::randn({B, c.L, 2, d}, 2) : test::randn({B, c.L, d}, 2);
  Tensor ref = b.clone(), fast = b.clone();
  linear_scan_sequential_(A, ref);
  linear_scan_(A, fast, c.chunk);
  EXPECT_LE(max_abs_diff(fast, ref), 1e-12);
  // Forward substitution is what it claims: x_1 = A_1 x_0 + b_1 at one element.
  if (!c.block && c.L > 1)
    EXPECT_NEAR(ref.at({1, 1, 2}), A.at({1, 1, 2}) * ref.at({1, 0, 2}) + b.at({1, 1, 2}), 1e-14);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearScanTest,
                         ::testing::Values(Case{false, 37, 8}, Case{true, 37, 8}, Case{false, 37, 1},
                                           Case{true, 37, 100}, Case{false, 1, 4}, Case{true, 64, 16}));

TEST(LinearScan, BlockTransitionsMixComponents) {
  // A 2×2 block [[0, 1], [1, 0]] swaps c and h each step: x_1 = swap(x_0) + b_1.
  Tensor A = zeros({1, 2, 4, 1}, DType::f64);
  A.narrow(2, 1, 2).fill_(1.0);
  Tensor b = from_vector<double>({1, 2, 10, 20}, {1, 2, 2, 1});
  linear_scan_(A, b, 1);
  EXPECT_EQ(to_vector<double>(b), (std::vector<double>{1, 2, 12, 21}));
}

TEST(LinearScan, Float32MatchesFloat64) {
  Tensor A = test::randn({2, 300, 7}, 3) * 0.5, b = test::randn({2, 300, 7}, 4);
  Tensor ref = b.clone(), f = b.to(DType::f32);
  linear_scan_sequential_(A, ref);
  linear_scan_(A.to(DType::f32), f, 32);
  EXPECT_LE(max_abs_diff(f.to(DType::f64), ref), 1e-5);
}

TEST(LinearScan, RejectsMismatchedShapes) {
  Tensor A = zeros({1, 4, 3}, DType::f64), b = zeros({1, 4, 2}, DType::f64);
  EXPECT_THROW(linear_scan_(A, b, 2), Error);
}

}  // namespace
}  // namespace sf
