// Induction heads (Mamba §4.1.2) and MQAR (Zoology): structure of every example and its targets.
#include <gtest/gtest.h>

#include <map>

#include "core/ops.h"
#include "data/synthetic/task.h"

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

}  // namespace
}  // namespace sf
