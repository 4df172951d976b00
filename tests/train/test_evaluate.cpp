// evaluate() (train/data_source.h) on a task's batches: token accuracy over the scored positions and exact
// match over the sequences that have any, against targets built from the model's own predictions.
#include <gtest/gtest.h>

#include "layers/sequence_model.h"
#include "tests/layers/test_util.h"
#include "train/data_source.h"

namespace sf {
namespace {

TEST(Evaluate, AccuracyCountsPositionsAndExactMatchCountsWholeSequences) {
  ModelConfig c = test::tiny_config();
  SequenceModel model(c);
  model.init_parameters(3);
  const int64_t L = 6, vocab = c.vocab_size;
  const Tensor x = test::random_tokens(4, L, vocab, 4);
  std::vector<int64_t> pred = to_vector<int64_t>(argmax(model.forward(x).data(), -1).contiguous());
  auto predicted = [&](int64_t r, int64_t t) { return pred[static_cast<size_t>(r * L + t)]; };
  std::vector<int64_t> y(static_cast<size_t>(4 * L), kIgnoreIndex);
  auto target = [&](int64_t r, int64_t t, bool right) {
    y[static_cast<size_t>(r * L + t)] = right ? predicted(r, t) : (predicted(r, t) + 1) % vocab;
  };
  target(0, 1, true), target(0, 3, true);   // every scored position right: an exact match
  target(1, 0, true), target(1, 2, false);  // one of two
  target(3, 5, true);                       // row 2 scores nothing and counts in neither total
  const EvalResult r = evaluate(model, {{x, from_vector<int64_t>(y, {4, L})}}, true);
  EXPECT_DOUBLE_EQ(r.accuracy, 4.0 / 5.0);
  EXPECT_DOUBLE_EQ(r.exact_match, 2.0 / 3.0);
  EXPECT_EQ(evaluate(model, {{x, from_vector<int64_t>(y, {4, L})}}, false).exact_match, -1);
}

}  // namespace
}  // namespace sf
