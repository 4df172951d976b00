// ParaRNN's synthetic tasks (App. C.2 of the paper): targets recomputed independently of the generators.
#include <gtest/gtest.h>

#include "data/synthetic/task.h"

namespace sf {
namespace {

Batch draw(const char* task, TaskConfig t, int64_t L) {
  TaskOptions o;
  o.task = t;
  o.batch_size = 16;
  o.seq_len = L;
  return TaskSource(task, o).next();
}

TEST(ParaRnnTasks, ParityScoresTheLastPositionOnly) {
  TaskConfig t;
  t.vocab_size = 2;
  Batch b = draw("parity", t, 100);
  std::vector<int64_t> x = to_vector<int64_t>(b.x), y = to_vector<int64_t>(b.y);
  int64_t odd = 0;
  for (int64_t r = 0; r < 16; ++r) {
    int64_t s = 0;
    for (int64_t l = 0; l < 100; ++l) {
      ASSERT_TRUE(x[r * 100 + l] == 0 || x[r * 100 + l] == 1);
      s += x[r * 100 + l];
      if (l < 99) {
        EXPECT_EQ(y[r * 100 + l], kIgnoreIndex);
      }
    }
    EXPECT_EQ(y[r * 100 + 99], s % 2);
    odd += s % 2;
  }
  EXPECT_GT(odd, 0);
  EXPECT_LT(odd, 16);
  t.vocab_size = 3;
  EXPECT_THROW(draw("parity", t, 10), Error);
}

TEST(ParaRnnTasks, KeepNthReportsTheNthToken) {
  TaskConfig t;
  t.vocab_size = 128;
  t.keep_n = 5;
  Batch b = draw("keep_nth", t, 100);
  for (int64_t r = 0; r < 16; ++r) {
    EXPECT_EQ(b.y.at({r, 99}), b.x.at({r, 4}));
    EXPECT_EQ(b.y.at({r, 50}), double(kIgnoreIndex));
  }
}

TEST(ParaRnnTasks, KhopFollowsPreviousOccurrenceLinks) {
  TaskConfig t;
  t.vocab_size = 5;
  t.hops = 2;
  Batch b = draw("khop", t, 100);
  int64_t scored = 0;
  for (int64_t r = 0; r < 16; ++r) {
    auto x = [&](int64_t i) { return static_cast<int64_t>(b.x.at({r, i})); };
    // find(i): one past the most recent earlier occurrence of x_i, by a backwards search.
    auto find = [&](int64_t i) -> int64_t {
      for (int64_t p = i - 1; p >= 0; --p)
        if (x(p) == x(i)) return p + 1;
      return -1;
    };
    for (int64_t i = 0; i < 100; ++i) {
      int64_t j = find(i);
      if (j >= 0) j = find(j);
      EXPECT_EQ(b.y.at({r, i}), j >= 0 ? double(x(j)) : double(kIgnoreIndex)) << r << "," << i;
      scored += j >= 0;
    }
    EXPECT_EQ(b.y.at({r, 0}), double(kIgnoreIndex));
  }
  EXPECT_GT(scored, 16 * 80);
}

}  // namespace
}  // namespace sf
