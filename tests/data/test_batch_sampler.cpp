#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "core/error.h"
#include "data/batch_sampler.h"
#include "data/text_dataset.h"

using namespace sf;

namespace {

// Token i has value i, so a window's start is its first token and the shift is visible directly.
TokenSplits counting_dataset(int32_t n_train, int32_t n_val) {
  std::vector<int32_t> train(static_cast<size_t>(n_train)), val(static_cast<size_t>(n_val));
  std::iota(train.begin(), train.end(), 0);
  std::iota(val.begin(), val.end(), 100000);
  return TextDataset(train, val).splits();
}

std::vector<int64_t> values(const Tensor& t) { return to_vector<int64_t>(t); }

SamplerOptions options(int64_t B, int64_t T, uint64_t seed, int64_t rank = 0, int64_t world = 1) {
  SamplerOptions o;
  o.batch_size = B;
  o.seq_len = T;
  o.seed = seed;
  o.rank = rank;
  o.world = world;
  return o;
}

}  // namespace

TEST(BatchSampler, WindowsAreContiguousAndYIsXShiftedByOne) {
  BatchSampler s(counting_dataset(1000, 100), options(4, 8, 7));
  Batch b = s.next();
  EXPECT_EQ(b.x.dtype(), DType::i64);
  EXPECT_EQ(b.x.shape(), (Shape{4, 8}));
  EXPECT_EQ(b.y.shape(), (Shape{4, 8}));
  auto x = values(b.x), y = values(b.y);
  for (int64_t r = 0; r < 4; ++r) {
    int64_t o = x[r * 8];
    EXPECT_GE(o, 0);
    EXPECT_LT(o, 1000 - 8);
    for (int64_t t = 0; t < 8; ++t) {
      EXPECT_EQ(x[r * 8 + t], o + t);
      EXPECT_EQ(y[r * 8 + t], o + t + 1);
    }
  }
}

TEST(BatchSampler, SameSeedAndCounterGiveSameBatchAndSetStateResumes) {
  BatchSampler a(counting_dataset(5000, 100), options(3, 16, 42));
  std::vector<std::vector<int64_t>> seen;
  for (int i = 0; i < 5; ++i) seen.push_back(values(a.next().x));
  EXPECT_EQ(a.state(), 5u);
  EXPECT_NE(seen[0], seen[1]);

  BatchSampler b(counting_dataset(5000, 100), options(3, 16, 42));
  EXPECT_EQ(values(b.next().x), seen[0]);
  b.set_state(3);
  EXPECT_EQ(values(b.next().x), seen[3]);
  EXPECT_EQ(values(b.next().x), seen[4]);
  EXPECT_EQ(values(a.batch(2).x), seen[2]);
  EXPECT_EQ(a.state(), 5u);  // batch(k) does not advance

  BatchSampler other_seed(counting_dataset(5000, 100), options(3, 16, 43));
  EXPECT_NE(values(other_seed.next().x), seen[0]);
}

TEST(BatchSampler, RanksDrawDisjointRowsOfOneGlobalBatch) {
  TokenSplits data = counting_dataset(100000, 100);
  BatchSampler single(data, options(4, 8, 9));
  BatchSampler rank0(data, options(2, 8, 9, 0, 2)), rank1(data, options(2, 8, 9, 1, 2));
  for (uint64_t k = 0; k < 3; ++k) {
    auto all = values(single.batch(k).x), r0 = values(rank0.batch(k).x), r1 = values(rank1.batch(k).x);
    EXPECT_NE(r0, r1);
    std::vector<int64_t> joined(r0);
    joined.insert(joined.end(), r1.begin(), r1.end());
    EXPECT_EQ(joined, all);  // 2 ranks x B=2 see what 1 rank x B=4 sees
  }
  EXPECT_THROW(BatchSampler(data, options(2, 8, 9, 2, 2)), Error);
}

TEST(BatchSampler, OffsetsCoverTheWholeValidRange) {
  // n - T = 3 valid offsets {0, 1, 2}: every one appears, including the last (nanoGPT's randint(n - T)).
  BatchSampler s(counting_dataset(10, 10), options(64, 7, 1));
  std::set<int64_t> starts;
  auto x = values(s.next().x);
  for (int64_t r = 0; r < 64; ++r) starts.insert(x[r * 7]);
  EXPECT_EQ(starts, (std::set<int64_t>{0, 1, 2}));
}

TEST(BatchSampler, EvalBatchesAreFixedAndDrawnFromValidation) {
  BatchSampler s(counting_dataset(1000, 500), options(4, 8, 5));
  std::vector<Batch> first = s.eval_batches(3);
  ASSERT_EQ(first.size(), 3u);
  s.next();
  s.next();
  std::vector<Batch> again = s.eval_batches(3);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(values(first[i].x), values(again[i].x));
    for (int64_t v : values(first[i].x)) EXPECT_GE(v, 100000);
    auto x = values(first[i].x), y = values(first[i].y);
    for (size_t j = 0; j < x.size(); ++j) EXPECT_EQ(y[j], x[j] + 1);
  }
  EXPECT_NE(values(first[0].x), values(first[1].x));
  EXPECT_EQ(s.state(), 2u);  // evaluation leaves the training stream alone
}

TEST(BatchSampler, TooShortSplitsAreErrors) {
  EXPECT_THROW(BatchSampler(counting_dataset(8, 100), options(2, 8, 1)), Error);
  BatchSampler ok(counting_dataset(9, 4), options(2, 8, 1));
  EXPECT_THROW(ok.eval_batches(1), Error);
  EXPECT_THROW(BatchSampler(counting_dataset(100, 100), options(0, 8, 1)), Error);
}
