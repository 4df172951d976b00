// Passkey retrieval (data/synthetic/generators.h): the layout of every example (filler, the key at its
// depth, the query), targets only at the 5 query positions, the depth's edge cases, determinism from
// (seed, split, index), and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/ops.h"
#include "data/synthetic/generators.h"

namespace sf {
namespace {

TaskOptions options(int64_t L, double depth = -1) {
  TaskOptions o;
  o.task.vocab_size = 20;
  o.task.passkey_depth = depth;
  o.task.eval_examples = 16;
  o.batch_size = 16;
  o.seq_len = L;
  o.seed = 5;
  return o;
}

std::vector<int64_t> row(const Tensor& t, int64_t r) { return to_vector<int64_t>(t.select(0, r).contiguous()); }

// Checks one example and returns where its key starts.
int64_t check_example(const std::vector<int64_t>& x, const std::vector<int64_t>& y, int64_t vocab) {
  const int64_t L = static_cast<int64_t>(x.size()), query = L - kPasskeyDigits - 1;
  int64_t start = -1;
  for (int64_t i = 0; i < query; ++i) {
    if (x[i] == kPasskeyKey) {
      EXPECT_EQ(start, -1) << "two keys";
      start = i;
      i += kPasskeyDigits + 1;
      EXPECT_EQ(x[i], kPasskeyKeyEnd);
    } else {
      EXPECT_TRUE(x[i] >= kPasskeyFiller && x[i] < vocab) << "position " << i << ": " << x[i];
    }
  }
  EXPECT_GE(start, 0) << "no key";
  EXPECT_EQ(x[query], kPasskeyQuery);
  for (int64_t k = 0; k < kPasskeyDigits; ++k) {
    const int64_t digit = x[start + 1 + k];
    EXPECT_TRUE(digit >= 0 && digit <= 9);
    EXPECT_EQ(x[query + 1 + k], digit) << "the query repeats the key";
    EXPECT_EQ(y[query + k], digit) << "position " << query + k << " predicts digit " << k + 1;
  }
  for (int64_t i = 0; i < L; ++i)
    if (i < query || i == L - 1) EXPECT_EQ(y[i], kIgnoreIndex) << "position " << i << " is scored";
  return start;
}

TEST(Passkey, KeyInFillerAndTheQueryScoredAtItsFivePositions) {
  for (int64_t L : {13, 14, 64, 257}) {
    const Batch b = TaskSource("passkey", options(L)).next();
    ASSERT_EQ(b.x.shape(), (Shape{16, L}));
    for (int64_t r = 0; r < 16; ++r) check_example(row(b.x, r), row(b.y, r), 20);
  }
}

TEST(Passkey, DepthPlacesTheKeyAndRandomDepthsSpreadIt) {
  const int64_t L = 113, last_start = L - 13;  // 100 start positions after 0
  for (double depth : {0.0, 0.25, 0.5, 1.0}) {
    const Batch b = TaskSource("passkey", options(L, depth)).next();
    for (int64_t r = 0; r < 16; ++r)
      EXPECT_EQ(check_example(row(b.x, r), row(b.y, r), 20), std::llround(depth * last_start)) << depth;
  }
  const Batch first = TaskSource("passkey", options(L, 0.0)).next();
  EXPECT_EQ(row(first.x, 0)[0], kPasskeyKey) << "depth 0: the first token";
  const Batch last = TaskSource("passkey", options(L, 1.0)).next();
  EXPECT_EQ(row(last.x, 0)[L - kPasskeyDigits - 2], kPasskeyKeyEnd) << "depth 1: right before the query";
  std::set<int64_t> starts;
  const Batch spread = TaskSource("passkey", options(L)).next();
  for (int64_t r = 0; r < 16; ++r) starts.insert(check_example(row(spread.x, r), row(spread.y, r), 20));
  EXPECT_GE(starts.size(), 8u) << "a negative depth draws the start per example";
}

TEST(Passkey, ExamplesAreAFunctionOfSeedSplitAndIndexAndDiffer) {
  TaskSource a("passkey", options(64)), b("passkey", options(64));
  const Batch a0 = a.next(), a1 = a.next();
  b.set_state(1);
  EXPECT_EQ(max_abs_diff(b.next().x, a1.x), 0.0);
  EXPECT_EQ(max_abs_diff(a.eval_batches(1)[0].x, b.eval_batches(1)[0].x), 0.0);
  EXPECT_GT(max_abs_diff(a.eval_batches(1)[0].x, a0.x), 0.0) << "evaluation is another stream";
  TaskOptions other = options(64);
  other.seed = 6;
  EXPECT_GT(max_abs_diff(TaskSource("passkey", other).next().x, a0.x), 0.0);
  std::set<std::vector<int64_t>> keys;
  for (int64_t r = 0; r < 16; ++r) {
    const std::vector<int64_t> x = row(a0.x, r);
    keys.insert(std::vector<int64_t>(x.end() - kPasskeyDigits, x.end()));
  }
  EXPECT_GE(keys.size(), 15u) << "keys are drawn per example (10^5 of them)";
}

TEST(Passkey, EvalLengthAndDepthComeFromTheTaskKeys) {
  TaskOptions o = options(64, 0.5);
  o.task.eval_len = 1024;
  const Batch b = TaskSource("passkey", o).eval_batches(1)[0];
  ASSERT_EQ(b.x.size(1), 1024);
  EXPECT_EQ(check_example(row(b.x, 3), row(b.y, 3), 20), std::llround(0.5 * (1024 - 13)));
}

TEST(Passkey, ErrorsNameTheProblem) {
  try {
    TaskSource("passkey", options(12));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("passkey: sequence length 12 is too short"), std::string::npos) << e.what();
  }
  TaskOptions o = options(64);
  o.task.vocab_size = 13;  // no room for filler
  EXPECT_THROW(TaskSource("passkey", o), Error);
}

}  // namespace
}  // namespace sf
