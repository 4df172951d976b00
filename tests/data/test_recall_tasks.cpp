// Induction heads (Mamba §4.1.2), MQAR (Zoology) and passkey retrieval (spec mixers.md §8.5): structure of
// every example and its targets; for passkey also the key's depth and its edge cases, determinism from
// (seed, split, index), and that examples differ.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "core/ops.h"
#include "data/synthetic/generators.h"

namespace sf {
namespace {

TaskOptions options(int64_t L, int64_t n_kv = 8) {
  TaskOptions o;
  o.task.vocab_size = 16;
  o.task.n_kv = n_kv;
  o.task.eval_examples = 16;
  o.batch_size = 16;
  o.seq_len = L;
  o.seed = 5;
  return o;
}

TaskOptions passkey_options(int64_t L, double depth = -1) {
  TaskOptions o = options(L);
  o.task.passkey_depth = depth;
  return o;
}

int64_t at(const Tensor& t, int64_t r, int64_t c) { return static_cast<int64_t>(t.at({r, c})); }

TEST(RecallTasks, InductionHeadsTargetFollowsTheEarlierTrigger) {
  for (int64_t L : {4, 64, 300}) {
    Batch b = TaskSource("induction_heads", options(L)).next();
    for (int64_t r = 0; r < 16; ++r) {
      int64_t triggers = 0, value = -1;
      for (int64_t t = 0; t < L - 1; ++t) {
        EXPECT_EQ(at(b.y, r, t), kIgnoreIndex);
        if (at(b.x, r, t) == 15) ++triggers, value = at(b.x, r, t + 1);
      }
      EXPECT_EQ(triggers, 1);
      EXPECT_EQ(at(b.x, r, L - 1), 15);
      EXPECT_EQ(at(b.y, r, L - 1), value);
      EXPECT_TRUE(value >= 0 && value < 15);
    }
  }
}

TEST(RecallTasks, MqarQueriesEveryKeyOnceWithItsValue) {
  const int64_t L = 64, n = 6;
  Batch b = TaskSource("mqar", options(L, n)).next();
  for (int64_t r = 0; r < 16; ++r) {
    std::map<int64_t, int64_t> kv;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = at(b.x, r, 2 * i), v = at(b.x, r, 2 * i + 1);
      EXPECT_TRUE(k >= 1 && k < 8) << k;
      EXPECT_TRUE(v >= 8 && v < 16) << v;
      EXPECT_TRUE(kv.emplace(k, v).second) << "keys are distinct";
      EXPECT_EQ(at(b.y, r, 2 * i), kIgnoreIndex);
    }
    int64_t queries = 0;
    for (int64_t t = 2 * n; t < L; ++t) {
      const int64_t x = at(b.x, r, t), y = at(b.y, r, t);
      if (x == 0) {
        EXPECT_EQ(y, kIgnoreIndex);
      } else {
        ++queries;
        EXPECT_EQ(y, kv.at(x));
      }
    }
    EXPECT_EQ(queries, n);
  }
}

TEST(RecallTasks, ErrorsNameTheProblem) {
  EXPECT_THROW(TaskSource("mqar", options(64, 8)), Error);   // 8 keys need vocab_size >= 18
  EXPECT_THROW(TaskSource("mqar", options(10, 4)), Error);   // 4 pairs + 4 queries need L >= 12
  EXPECT_THROW(TaskSource("induction_heads", options(3)), Error);
}

std::vector<int64_t> row(const Tensor& t, int64_t r) { return to_vector<int64_t>(t.select(0, r).contiguous()); }

// Checks one passkey example and returns where its key starts.
int64_t check_passkey(const std::vector<int64_t>& x, const std::vector<int64_t>& y, int64_t vocab) {
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

TEST(PasskeyTask, KeyInFillerAndTheQueryScoredAtItsFivePositions) {
  for (int64_t L : {13, 14, 64, 257}) {
    const Batch b = TaskSource("passkey", passkey_options(L)).next();
    ASSERT_EQ(b.x.shape(), (Shape{16, L}));
    for (int64_t r = 0; r < 16; ++r) check_passkey(row(b.x, r), row(b.y, r), 16);
  }
}

TEST(PasskeyTask, DepthPlacesTheKeyAndRandomDepthsSpreadIt) {
  const int64_t L = 113, last_start = L - 13;  // 100 start positions after 0
  for (double depth : {0.0, 0.25, 0.5, 1.0}) {
    const Batch b = TaskSource("passkey", passkey_options(L, depth)).next();
    for (int64_t r = 0; r < 16; ++r)
      EXPECT_EQ(check_passkey(row(b.x, r), row(b.y, r), 16), std::llround(depth * last_start)) << depth;
  }
  const Batch first = TaskSource("passkey", passkey_options(L, 0.0)).next();
  EXPECT_EQ(row(first.x, 0)[0], kPasskeyKey) << "depth 0: the first token";
  const Batch last = TaskSource("passkey", passkey_options(L, 1.0)).next();
  EXPECT_EQ(row(last.x, 0)[L - kPasskeyDigits - 2], kPasskeyKeyEnd) << "depth 1: right before the query";
  std::set<int64_t> starts;
  const Batch spread = TaskSource("passkey", passkey_options(L)).next();
  for (int64_t r = 0; r < 16; ++r) starts.insert(check_passkey(row(spread.x, r), row(spread.y, r), 16));
  EXPECT_GE(starts.size(), 8u) << "a negative depth draws the start per example";
}

TEST(PasskeyTask, ExamplesAreAFunctionOfSeedSplitAndIndexAndDiffer) {
  TaskSource a("passkey", passkey_options(64)), b("passkey", passkey_options(64));
  const Batch a0 = a.next(), a1 = a.next();
  b.set_state(1);
  EXPECT_EQ(max_abs_diff(b.next().x, a1.x), 0.0);
  EXPECT_EQ(max_abs_diff(a.eval_batches(1)[0].x, b.eval_batches(1)[0].x), 0.0);
  EXPECT_GT(max_abs_diff(a.eval_batches(1)[0].x, a0.x), 0.0) << "evaluation is another stream";
  TaskOptions other = passkey_options(64);
  other.seed = 6;
  EXPECT_GT(max_abs_diff(TaskSource("passkey", other).next().x, a0.x), 0.0);
  std::set<std::vector<int64_t>> keys;
  for (int64_t r = 0; r < 16; ++r) {
    const std::vector<int64_t> x = row(a0.x, r);
    keys.insert(std::vector<int64_t>(x.end() - kPasskeyDigits, x.end()));
  }
  EXPECT_GE(keys.size(), 15u) << "keys are drawn per example (10^5 of them)";
}

TEST(PasskeyTask, EvalLengthAndDepthComeFromTheTaskKeys) {
  TaskOptions o = passkey_options(64, 0.5);
  o.task.eval_len = 1024;
  const Batch b = TaskSource("passkey", o).eval_batches(1)[0];
  ASSERT_EQ(b.x.size(1), 1024);
  EXPECT_EQ(check_passkey(row(b.x, 3), row(b.y, 3), 16), std::llround(0.5 * (1024 - 13)));
}

TEST(PasskeyTask, ErrorsNameTheProblem) {
  try {
    TaskSource("passkey", passkey_options(12));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("passkey: sequence length 12 is too short"), std::string::npos) << e.what();
  }
  TaskOptions o = passkey_options(64);
  o.task.vocab_size = 13;  // no room for filler
  EXPECT_THROW(TaskSource("passkey", o), Error);
}

}  // namespace
}  // namespace sf
