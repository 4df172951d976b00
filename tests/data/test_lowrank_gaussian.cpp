// lowrank_gaussian (data/synthetic/lowrank_gaussian.h): rows are a pure function of (seed, split, row), the
// noise-free rows have exactly the stated rank, the noise has the stated scale, and the batches replay on
// resume and split over ranks as one process's rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "data/synthetic/lowrank_gaussian.h"

namespace sf {
namespace {

LowRankOptions options(uint64_t seed = 1, int64_t batch = 8) {
  LowRankOptions o;
  o.task.dim = 32;
  o.task.rank = 4;
  o.task.noise = 0.1;
  o.task.eval_examples = 20;
  o.batch_size = batch;
  o.seed = seed;
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data<float>(), b.data<float>(), a.nbytes()) == 0;
}

// The pivots of a Cholesky factorisation of the Gram matrix XᵀX with full (diagonal) pivoting, largest
// first, in float64: pivot k is the squared distance of the best remaining column from the span of the
// k columns picked before, so the number of pivots above the noise floor is the rank of X.
std::vector<double> gram_pivots(const Tensor& x) {
  const int64_t n = x.size(0), d = x.size(1);
  const float* p = x.data<float>();
  std::vector<double> g(static_cast<size_t>(d * d), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) g[i * d + j] += double(p[r * d + i]) * double(p[r * d + j]);
  std::vector<double> pivots;
  std::vector<bool> used(static_cast<size_t>(d), false);
  for (int64_t k = 0; k < d; ++k) {
    int64_t best = -1;
    for (int64_t i = 0; i < d; ++i)
      if (!used[i] && (best < 0 || g[i * d + i] > g[best * d + best])) best = i;
    const double piv = g[best * d + best];
    pivots.push_back(piv);
    used[best] = true;
    if (piv <= 0) break;
    for (int64_t i = 0; i < d; ++i)  // Schur complement: remove column `best` from the rest
      for (int64_t j = 0; j < d; ++j)
        if (!used[i] && !used[j]) g[i * d + j] -= g[i * d + best] * g[best * d + j] / piv;
  }
  return pivots;
}

TEST(LowRankGaussian, RowsAreAPureFunctionOfTheSeed) {
  LowRankGaussianSource a(options(1)), b(options(1)), c(options(2));
  const Batch first = a.next();
  EXPECT_EQ(first.x.shape(), (Shape{8, 32}));
  EXPECT_EQ(first.x.dtype(), DType::f32);
  EXPECT_TRUE(same_bits(first.x, first.y));  // the target is the input
  EXPECT_TRUE(same_bits(first.x, b.next().x));
  EXPECT_FALSE(same_bits(first.x, c.next().x));
  EXPECT_FALSE(same_bits(first.x, a.next().x));  // fresh rows every batch
  EXPECT_TRUE(same_bits(a.basis(), b.basis()));
  EXPECT_FALSE(same_bits(a.basis(), c.basis()));
  // Row i does not depend on how the rows are batched: batches of 8 are rows 0-7, 8-15 of the stream.
  LowRankGaussianSource big(options(1, 16));
  EXPECT_TRUE(same_bits(big.next().x, a.rows(0, 0, 16)));
}

TEST(LowRankGaussian, NoiseFreeRowsHaveExactlyTheStatedRank) {
  for (int64_t rank : {1, 4, 16}) {
    LowRankOptions o = options();
    o.task.dim = 48;
    o.task.rank = rank;
    const LowRankGaussianSource src(o);
    const std::vector<double> clean = gram_pivots(src.rows(0, 0, 400, /*noise=*/false));
    // `rank` pivots of order n·dim/rank... and then nothing but float32 rounding of the rows.
    for (int64_t k = 0; k < rank; ++k) EXPECT_GT(clean[k], 1.0) << "rank " << rank << ", pivot " << k;
    EXPECT_LT(clean[rank], 1e-6 * clean[0]) << "rank " << rank;
    // The noisy rows are the clean ones plus N(0, σ²) entries: full rank, and the difference has variance σ².
    const Tensor noisy = src.rows(0, 0, 400), clean_rows = src.rows(0, 0, 400, false);
    EXPECT_GT(gram_pivots(noisy).back(), 0.1 * 400 * 0.01) << "rank " << rank;
    double ss = 0;
    for (int64_t i = 0; i < noisy.numel(); ++i) {
      const double e = double(noisy.data<float>()[i]) - double(clean_rows.data<float>()[i]);
      ss += e * e;
    }
    EXPECT_NEAR(ss / double(noisy.numel()), 0.01, 0.0005) << "rank " << rank;
  }
  // The default of the autoencoder experiment: 256 wide, rank 16.
  LowRankOptions o = options();
  o.task.dim = 256;
  o.task.rank = 16;
  const std::vector<double> pivots = gram_pivots(LowRankGaussianSource(o).rows(0, 0, 512, false));
  EXPECT_GT(pivots[15], 1e-2 * pivots[0]);
  EXPECT_LT(pivots[16], 1e-6 * pivots[0]);
}

TEST(LowRankGaussian, EntriesHaveTheStatedVariance) {
  // Var x_j = Σ_k B_kj² + σ², and B's entries are N(0, 1/rank): about 1 + σ² per entry.
  LowRankOptions o = options();
  o.task.noise = 0.5;
  const Tensor x = LowRankGaussianSource(o).rows(0, 0, 2000);
  double ss = 0;
  for (int64_t i = 0; i < x.numel(); ++i) ss += double(x.data<float>()[i]) * double(x.data<float>()[i]);
  EXPECT_NEAR(ss / double(x.numel()), 1.25, 0.15);
}

TEST(LowRankGaussian, ResumesFromItsCounterAndSplitsRowsOverRanks) {
  LowRankGaussianSource a(options());
  for (int i = 0; i < 3; ++i) a.next();
  LowRankGaussianSource b(options());
  b.set_state(a.state());
  EXPECT_EQ(a.state(), 3u);
  EXPECT_TRUE(same_bits(a.next().x, b.next().x));
  // Two ranks with 4 rows each see the rows one process sees with 8.
  LowRankOptions r0 = options(1, 4), r1 = options(1, 4);
  r0.world = r1.world = 2;
  r1.rank = 1;
  LowRankGaussianSource one(options()), rank0(r0), rank1(r1);
  for (int step = 0; step < 2; ++step) {
    const Tensor all = one.next().x, x0 = rank0.next().x, x1 = rank1.next().x;
    EXPECT_TRUE(same_bits(all.narrow(0, 0, 4).contiguous(), x0)) << step;
    EXPECT_TRUE(same_bits(all.narrow(0, 4, 4).contiguous(), x1)) << step;
  }
}

TEST(LowRankGaussian, EvaluationIsAFixedSetApartFromTraining) {
  LowRankGaussianSource src(options());
  const std::vector<Batch> eval = src.eval_batches(0), again = src.eval_batches(0);
  ASSERT_EQ(eval.size(), 3u);  // 20 rows in batches of 8: 8, 8, 4
  EXPECT_EQ(eval[2].x.size(0), 4);
  for (size_t i = 0; i < eval.size(); ++i) EXPECT_TRUE(same_bits(eval[i].x, again[i].x));
  EXPECT_EQ(src.eval_batches(2).size(), 2u);
  EXPECT_FALSE(same_bits(eval[0].x, src.next().x));
  EXPECT_TRUE(same_bits(eval[0].x, src.rows(1, 0, 8)));
}

TEST(LowRankGaussian, AFixedTrainingSetIsCycled) {
  LowRankOptions o = options();
  o.task.train_examples = 12;
  LowRankGaussianSource src(o);
  const Tensor first = src.next().x, second = src.next().x;  // rows 0-7, then 8-11 and 0-3
  EXPECT_TRUE(same_bits(first, src.rows(0, 0, 8)));
  EXPECT_TRUE(same_bits(second.narrow(0, 0, 4).contiguous(), src.rows(0, 8, 4)));
  EXPECT_TRUE(same_bits(second.narrow(0, 4, 4).contiguous(), src.rows(0, 0, 4)));
}

}  // namespace
}  // namespace sf
