// Sampling (train/generate.h): reproducible from the seed; recurrent models run token by token and
// give what recomputing the whole text gives; attention models recompute the cropped window.
#include <gtest/gtest.h>

#include <algorithm>

#include "layers/rnn/rnn_config.h"
#include "tests/layers/test_util.h"
#include "train/generate.h"

namespace sf {
namespace {

ModelConfig small(const std::string& mixer, PosKind pos) {
  ModelConfig c = test::tiny_config(pos);
  c.mixer = mixer;
  c.block_size = 16;
  c.vocab_size = 13;
  c.section<RnnConfig>().heads = 2;
  return c;
}

// Greedy decoding by recomputing forward() over the last `window` tokens (0 = all of them).
std::vector<int32_t> greedy_by_forward(SequenceModel& m, std::vector<int32_t> ids, int64_t tokens, int64_t window) {
  NoGradGuard no_grad;
  for (int64_t i = 0; i < tokens; ++i) {
    const size_t start = window > 0 && ids.size() > size_t(window) ? ids.size() - size_t(window) : 0;
    std::vector<int64_t> ctx(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.end());
    const int64_t L = static_cast<int64_t>(ctx.size());
    const auto z = to_vector<double>(m.forward(from_vector<int64_t>(ctx, {1, L})).data().select(1, L - 1).select(0, 0));
    ids.push_back(static_cast<int32_t>(std::max_element(z.begin(), z.end()) - z.begin()));
  }
  return ids;
}

TEST(Generate, RecurrentStepsGiveWhatRecomputingTheWholeTextGives) {
  // pos = none: the recurrent path carries its state past block_size (40 > 16 tokens).
  for (const char* mixer : {"gru", "paragru", "mamba"}) {
    SequenceModel m(small(mixer, PosKind::none));
    m.init_parameters(3);
    ASSERT_TRUE(m.has_step());
    SampleOptions o;
    o.tokens = 37;
    o.top_k = 1;  // greedy
    const std::vector<int32_t> prompt = {1, 5, 2};
    EXPECT_EQ(sample(m, prompt, o), greedy_by_forward(m, prompt, 37, 0)) << mixer;
  }
}

TEST(Generate, AttentionRecomputesTheCroppedWindow) {
  SequenceModel m(small("attention", PosKind::learned));
  m.init_parameters(3);
  ASSERT_FALSE(m.has_step());
  SampleOptions o;
  o.tokens = 30;
  o.top_k = 1;
  EXPECT_EQ(sample(m, {4, 7}, o), greedy_by_forward(m, {4, 7}, 30, 16));
}

TEST(Generate, TheSeedFixesTheSample) {
  SequenceModel m(small("paralstm", PosKind::learned));
  m.init_parameters(5);
  SampleOptions o;
  o.tokens = 12;  // 1 + 12 <= block_size: the recurrent path with learned positions
  o.seed = 11;
  const auto a = sample(m, {2}, o), b = sample(m, {2}, o);
  o.seed = 12;
  const auto c = sample(m, {2}, o);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 13u);
}

// A hybrid stack with an attention block recomputes the window; one of recurrent mixers only steps.
TEST(Generate, HybridStacksTakeThePathTheirMixersAllow) {
  ModelConfig c = small("attention", PosKind::none);
  c.layers = {"attention", "mamba"};
  SequenceModel with_attention(c);
  with_attention.init_parameters(3);
  ASSERT_FALSE(with_attention.has_step());
  SampleOptions o;
  o.tokens = 30;
  o.top_k = 1;
  EXPECT_EQ(sample(with_attention, {4, 7}, o), greedy_by_forward(with_attention, {4, 7}, 30, 16));

  c.layers = {"gru", "mamba"};
  SequenceModel recurrent(c);
  recurrent.init_parameters(3);
  ASSERT_TRUE(recurrent.has_step());
  EXPECT_EQ(sample(recurrent, {4, 7}, o), greedy_by_forward(recurrent, {4, 7}, 30, 0));
}

}  // namespace
}  // namespace sf
