// Synthetic tasks: generators follow data/synthetic/generators.h and TaskSource batches them reproducibly.
#include <gtest/gtest.h>

#include "core/ops.h"
#include "data/synthetic/task.h"

namespace sf {
namespace {

TaskOptions copy_options(int64_t L = 40) {
  TaskOptions o;
  o.task.vocab_size = 16;
  o.task.n_memorize = 8;
  o.task.eval_examples = 20;
  o.batch_size = 4;
  o.seq_len = L;
  o.seed = 3;
  return o;
}

TEST(Tasks, SelectiveCopyingPlacesDataAmongNoiseAndScoresTheMarkers) {
  TaskSource src("selective_copying", copy_options());
  Batch b = src.next();
  ASSERT_EQ(b.x.shape(), (Shape{4, 40}));
  for (int64_t r = 0; r < 4; ++r) {
    std::vector<int64_t> data, targets;
    for (int64_t t = 0; t < 40; ++t) {
      int64_t x = static_cast<int64_t>(b.x.at({r, t})), y = static_cast<int64_t>(b.y.at({r, t}));
      if (t < 32) {
        EXPECT_EQ(y, kIgnoreIndex);
        EXPECT_TRUE(x >= 0 && x <= 14);
        if (x != 0) data.push_back(x);
      } else {
        EXPECT_EQ(x, 15);  // marker
        targets.push_back(y);
      }
    }
    EXPECT_EQ(data, targets);  // the data tokens, in order, are the targets at the markers
    EXPECT_EQ(data.size(), 8u);
  }
}

TEST(Tasks, BatchesAreAFunctionOfTheCounter) {
  TaskSource a("selective_copying", copy_options()), b("selective_copying", copy_options());
  a.next();
  Batch second = a.next();
  b.set_state(1);
  EXPECT_EQ(max_abs_diff(b.next().x, second.x), 0.0);
  auto e1 = a.eval_batches(0), e2 = b.eval_batches(0);
  ASSERT_EQ(e1.size(), 5u);  // 20 examples in batches of 4
  EXPECT_EQ(max_abs_diff(e1[3].y, e2[3].y), 0.0);
}

TEST(Tasks, EvalLengthCanDifferFromTraining) {
  TaskOptions o = copy_options();
  o.task.eval_len = 100;
  EXPECT_EQ(TaskSource("selective_copying", o).eval_batches(1)[0].x.size(1), 100);
}

TEST(Tasks, LengthCurriculumGrowsGeometricallyInStepsThenHolds) {
  TaskOptions o = copy_options(64);
  o.task.vocab_size = 2;
  o.task.curriculum_min_len = 4;
  o.task.curriculum_steps = 100;
  o.grad_accum = 2;  // two batches a step: the length follows steps, not batches
  TaskSource src("parity", o);
  EXPECT_EQ(src.train_len(0), 4);
  EXPECT_EQ(src.train_len(1), 4);
  EXPECT_EQ(src.train_len(100), 16);  // halfway: 4 * (64 / 4)^(1/2)
  EXPECT_EQ(src.train_len(199), 62);
  EXPECT_EQ(src.train_len(200), 64);
  EXPECT_EQ(src.train_len(100000), 64);
  for (uint64_t c = 1; c < 200; ++c) EXPECT_LE(src.train_len(c - 1), src.train_len(c));
  EXPECT_EQ(src.next().x.shape(), (Shape{4, 4}));
  src.set_state(100);
  EXPECT_EQ(src.next().y.shape(), (Shape{4, 16}));
  EXPECT_EQ(src.eval_batches(1)[0].x.size(1), 64);  // evaluation stays at the full length
}

TEST(Tasks, ErrorsNameTheProblem) {
  EXPECT_THROW(TaskSource("no_such_task", copy_options()), Error);
  try {
    TaskSource("selective_copying", copy_options(10));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("too short"), std::string::npos) << e.what();
  }
  TaskOptions o = copy_options();
  o.task.curriculum_min_len = 10;  // selective copying of 8 tokens cannot start this short
  o.task.curriculum_steps = 5;
  EXPECT_THROW(TaskSource("selective_copying", o), Error);
}

}  // namespace
}  // namespace sf
