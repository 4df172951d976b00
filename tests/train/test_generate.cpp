// Sampling (train/generate.h): reproducible from the seed; the step path (KV cache, recurrent state)
// draws the same tokens as recomputing forward(), short and past block_size; absolute positions past
// block_size recompute the cropped window.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "layers/rnn/rnn_config.h"
#include "layers/ssm/ssm_config.h"
#include "tests/layers/test_util.h"
#include "tests/support.h"
#include "train/generate.h"

namespace sf {
namespace {

ModelConfig small(const std::string& mixer, PosKind pos) {
  ModelConfig c = test::tiny_config(pos);
  c.mixer = mixer;
  c.block_size = 16;
  c.vocab_size = 13;
  c.section<RnnConfig>().heads = 2;
  c.section<SsmConfig>().d_state = 4;
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

SampleOptions greedy(int64_t tokens) {
  SampleOptions o;
  o.tokens = tokens;
  o.temperature = 0;
  return o;
}

TEST(Generate, RecurrentStepsGiveWhatRecomputingTheWholeTextGives) {
  // pos = none: the recurrent path carries its state past block_size (40 > 16 tokens).
  for (const char* mixer : {"gru", "paragru", "mamba"}) {
    SequenceModel m(small(mixer, PosKind::none));
    m.init_parameters(3);
    ASSERT_EQ(generation_path(m, 40, true), GenerationPath::step);
    const std::vector<int32_t> prompt = {1, 5, 2};
    EXPECT_EQ(sample(m, prompt, greedy(37)), greedy_by_forward(m, prompt, 37, 0)) << mixer;
  }
}

// The check: for one seed, the KV cache draws token for token what recomputing draws, with
// temperature, top-k and top-p on, within block_size (12 tokens) and far past it (60 > 16).
TEST(Generate, KvCacheDrawsWhatRecomputingDraws) {
  for (const test::KvCacheCase& k : test::kv_cache_cases()) {
    ModelConfig c = small("attention", k.pos);
    c.layers = k.layers;
    SequenceModel m(c);
    m.init_parameters(3);
    test::randomise(m, 40, 0.6);  // sharp attention, so that positions and the window change the draws
    for (int64_t tokens : {10, 58}) {
      SampleOptions o;
      o.tokens = tokens;
      o.temperature = 0.9;
      o.top_k = 8;
      o.top_p = 0.95;
      o.seed = 21;
      ASSERT_EQ(generation_path(m, 2 + tokens, true), GenerationPath::step) << k.name;
      const std::vector<int32_t> cached = sample(m, {4, 7}, o);
      o.cache = false;
      ASSERT_EQ(generation_path(m, 2 + tokens, false), GenerationPath::recompute) << k.name;
      EXPECT_EQ(cached, sample(m, {4, 7}, o)) << k.name << ", " << tokens << " tokens";
    }
    const std::vector<int32_t> drawn = sample(m, {4, 7}, greedy(40));
    EXPECT_GT(std::set<int32_t>(drawn.begin(), drawn.end()).size(), 2u) << k.name << ": a degenerate text proves little";
  }
}

TEST(Generate, AbsolutePositionsRecomputeTheCroppedWindowPastBlockSize) {
  for (PosKind pos : {PosKind::learned, PosKind::sinusoidal}) {
    SequenceModel m(small("attention", pos));
    m.init_parameters(3);
    EXPECT_EQ(generation_path(m, 32, true), GenerationPath::recompute_window);
    EXPECT_EQ(path_name(m, GenerationPath::recompute_window), "recompute of the last 16 tokens");
    EXPECT_EQ(sample(m, {4, 7}, greedy(30)), greedy_by_forward(m, {4, 7}, 30, 16));
    // A text that fits steps with the cache: nothing is cropped, so it is what forward() gives.
    EXPECT_EQ(generation_path(m, 16, true), GenerationPath::step);
    EXPECT_EQ(sample(m, {4, 7}, greedy(14)), greedy_by_forward(m, {4, 7}, 14, 0));
  }
}

TEST(Generate, AMixerWithoutStepRecomputesTheWindowPastBlockSize) {
  // M2's long filter has block_size taps: forward() takes no longer input, so past block_size generation
  // crops as for absolute positions (a run's closing sample used to stop there with an error).
  SequenceModel m(small("m2", PosKind::none));
  m.init_parameters(3);
  ASSERT_FALSE(m.has_step());
  EXPECT_EQ(generation_path(m, 16, true), GenerationPath::recompute);
  EXPECT_EQ(generation_path(m, 17, true), GenerationPath::recompute_window);
  EXPECT_EQ(sample(m, {4, 7}, greedy(30)), greedy_by_forward(m, {4, 7}, 30, 16));
}

TEST(Generate, TheSeedAndStreamFixTheSample) {
  SequenceModel m(small("paralstm", PosKind::learned));
  m.init_parameters(5);
  SampleOptions o;
  o.tokens = 12;  // 1 + 12 <= block_size: the recurrent path with learned positions
  o.seed = 11;
  const auto a = sample(m, {2}, o), b = sample(m, {2}, o);
  o.stream = 1;  // --num-samples' second sample
  const auto other_stream = sample(m, {2}, o);
  o.stream = 0;
  o.seed = 12;
  const auto c = sample(m, {2}, o);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, other_stream);
  EXPECT_EQ(a.size(), 13u);
}

TEST(Generate, GreedyIsTheArgmaxWhateverTheSeed) {
  SequenceModel m(small("attention", PosKind::rope));
  m.init_parameters(3);
  SampleOptions o = greedy(20);
  const auto a = sample(m, {1, 2}, o);
  o.seed = 99;
  o.top_k = 3;
  o.top_p = 0.5;
  EXPECT_EQ(sample(m, {1, 2}, o), a);
  EXPECT_EQ(a, greedy_by_forward(m, {1, 2}, 20, 0));
}

TEST(Generate, PathNamesSayWhatStepsCarry) {
  ModelConfig c = small("attention", PosKind::rope);
  EXPECT_EQ(path_name(SequenceModel(c), GenerationPath::step), "KV cache");
  EXPECT_EQ(path_name(SequenceModel(c), GenerationPath::recompute), "recompute");
  c.layers = {"attention", "mamba"};
  EXPECT_EQ(path_name(SequenceModel(c), GenerationPath::step), "KV cache and recurrent state");
  EXPECT_EQ(path_name(SequenceModel(small("gru", PosKind::none)), GenerationPath::step), "recurrent state");
}

TEST(Generate, OptionsOutOfRangeNameTheirFlag) {
  SequenceModel m(small("gru", PosKind::none));
  auto refused = [&](auto set, const std::string& phrase) {
    SampleOptions o;
    set(o);
    EXPECT_CONTAINS(test::error_of([&] { check_sample_options(o); }), phrase);
    EXPECT_CONTAINS(test::error_of([&] { sample(m, {1}, o); }), phrase);
  };
  refused([](SampleOptions& o) { o.temperature = -0.5; }, "--temperature must be >= 0 (0 = greedy), got -0.5");
  refused([](SampleOptions& o) { o.top_p = 0; }, "--top-p must be in (0, 1]");
  refused([](SampleOptions& o) { o.top_p = 1.5; }, "--top-p must be in (0, 1] (1 = all tokens), got 1.5");
  refused([](SampleOptions& o) { o.top_k = -1; }, "--top-k must be >= 0");
  refused([](SampleOptions& o) { o.tokens = -3; }, "--tokens must be >= 0, got -3");
}

}  // namespace
}  // namespace sf
