// model.attn_window (a sliding-window Transformer): the window binds in training-length forwards, the KV
// cache's steps give forward()'s rows, and a one-block model's output at position i depends on exactly
// the tokens i − w + 1 .. i.
#include <gtest/gtest.h>

#include <memory>

#include "layers/sequence_model.h"
#include "tests/layers/test_util.h"

namespace sf {
namespace {

ModelConfig windowed_config(PosKind pos, int64_t window, int64_t n_layer) {
  ModelConfig c = test::tiny_config(pos);
  c.n_layer = n_layer;
  c.block_size = 16;
  c.vocab_size = 11;
  c.attn_window = window;
  return c;
}

std::unique_ptr<SequenceModel> windowed_model(const ModelConfig& c) {
  auto m = std::make_unique<SequenceModel>(c, DType::f64);
  m->init_parameters(7);
  test::randomise(*m, 30, 0.3);
  m->eval();
  return m;
}

// Learned positions up to block_size; RoPE and ALiBi past it too, where block_size no longer matters.
TEST(AttentionWindowModel, StepsEqualTheForward) {
  for (PosKind pos : {PosKind::learned, PosKind::rope, PosKind::alibi}) {
    for (int64_t window : {1, 3, 5}) {
      const ModelConfig c = windowed_config(pos, window, 2);
      const std::unique_ptr<SequenceModel> m = windowed_model(c);
      const int64_t L = pos == PosKind::learned ? c.block_size : 2 * c.block_size + 3;
      const Tensor tokens = test::random_tokens(2, L, c.vocab_size, 8);
      const Tensor logits = m->forward(tokens).data();
      std::vector<std::vector<Tensor>> state;
      for (int64_t t = 0; t < L; ++t)
        EXPECT_LE(max_abs_diff(m->step(tokens.select(1, t).contiguous(), t, state), logits.select(1, t)), 1e-10)
            << enum_name(pos) << ", window " << window << ", position " << t;
      for (const Tensor& kv : state[0]) EXPECT_EQ(kv.size(2), window) << "the KV cache holds the window alone";
    }
  }
}

// One block, so attention is the only path between positions: changing token j moves the logits at i iff
// i − w + 1 <= j <= i.
TEST(AttentionWindowModel, OutputSeesExactlyTheWindow) {
  const int64_t L = 16;
  for (int64_t window : {1, 3, 6}) {
    const std::unique_ptr<SequenceModel> m = windowed_model(windowed_config(PosKind::learned, window, 1));
    const Tensor tokens = test::random_tokens(1, L, 11, 9);
    const Tensor logits = m->forward(tokens).data();
    for (int64_t j : {0, 5, 12}) {
      Tensor changed = tokens.clone();
      changed.narrow(1, j, 1).fill_(static_cast<double>((to_vector<int64_t>(tokens)[static_cast<size_t>(j)] + 1) % 11));
      const Tensor moved = m->forward(changed).data();
      for (int64_t i = 0; i < L; ++i) {
        const double diff = max_abs_diff(moved.select(1, i), logits.select(1, i));
        if (j <= i && i - j < window) EXPECT_GT(diff, 1e-9) << "window " << window << ": token " << j << ", output " << i;
        else EXPECT_EQ(diff, 0.0) << "window " << window << ": token " << j << ", output " << i;
      }
    }
  }
}

}  // namespace
}  // namespace sf
