// The KV cache (layers/transformer/kv_cache.h) and attention's window: the cache is a ring of the newest
// block_size tokens that is not copied per token, and CausalSelfAttention::step over it equals forward()
// at every length, past block_size too, where both attend over a sliding window.
#include <gtest/gtest.h>

#include <set>

#include "layers/transformer/attention_core.h"
#include "layers/transformer/causal_self_attention.h"
#include "layers/transformer/kv_cache.h"
#include "tests/layers/test_util.h"
#include "tests/support.h"

namespace sf {
namespace {

TEST(KvCache, KeepsTheNewestWindowTokensInARingThatGrowsByDoubling) {
  const int64_t window = 40;
  std::vector<Tensor> state;
  std::vector<int64_t> capacities;
  std::set<const void*> buffers;
  for (int64_t pos = 0; pos < 100; ++pos) {
    const Tensor k = full({1, 2, 1, 3}, static_cast<double>(pos), DType::f64);
    const KvCacheView view = kv_cache_append(state, k, k * -1.0, pos, window);
    const int64_t n = std::min(pos + 1, window);
    ASSERT_EQ(view.k.shape(), Shape({1, 2, n, 3})) << pos;
    const std::vector<int64_t> distance = kv_cache_distances(pos, window);
    ASSERT_EQ(static_cast<int64_t>(distance.size()), n);
    const std::vector<double> keys = to_vector<double>(view.k.select(1, 1).select(2, 0).contiguous());
    const std::vector<double> values = to_vector<double>(view.v.select(1, 0).select(2, 2).contiguous());
    std::set<int64_t> held;
    for (int64_t row = 0; row < n; ++row) {
      const int64_t p = pos - distance[static_cast<size_t>(row)];
      EXPECT_EQ(p % window, row) << "position " << p << " in row " << row;
      EXPECT_EQ(keys[static_cast<size_t>(row)], static_cast<double>(p));
      EXPECT_EQ(values[static_cast<size_t>(row)], -static_cast<double>(p));
      held.insert(p);
    }
    EXPECT_EQ(static_cast<int64_t>(held.size()), n);  // the n newest, each once
    EXPECT_EQ(*held.begin(), pos - n + 1);
    if (capacities.empty() || capacities.back() != state[0].size(2)) capacities.push_back(state[0].size(2));
    buffers.insert(state[0].data<double>());
  }
  EXPECT_EQ(capacities, (std::vector<int64_t>{16, 32, 40}));
  EXPECT_EQ(buffers.size(), 3u) << "the cache was reallocated other than when it doubled";
}

TEST(KvCache, RefusesPositionsThatDoNotStartAtZero) {
  std::vector<Tensor> state;
  const Tensor k = zeros({1, 1, 1, 2});
  EXPECT_CONTAINS(test::error_of([&] { kv_cache_append(state, k, k, 3, 8); }), "got position 3 with an empty state");
  kv_cache_append(state, k, k, 0, 8);
  EXPECT_CONTAINS(test::error_of([&] { kv_cache_append(state, k, k, 0, 8); }), "got position 0 with a filled state");
}

// Row i of windowed attention is causal attention over keys i − window + 1 .. i alone.
TEST(AttentionWindow, EachQuerySeesTheWindowNewestKeys) {
  const int64_t L = 13, window = 5;
  const Variable q(test::randn({2, 2, L, 4}, 1)), k(test::randn({2, 2, L, 4}, 2)), v(test::randn({2, 2, L, 4}, 3));
  const Tensor out = attention_core(q, k, v, Tensor(), {.window = window}).data();
  for (int64_t i = 0; i < L; ++i) {
    const int64_t start = std::max<int64_t>(0, i - window + 1), n = i + 1 - start;
    auto part = [&](const Variable& x) { return Variable(x.data().narrow(2, start, n)); };
    const Tensor expected = attention_core_reference(part(q), part(k), part(v)).data().select(2, n - 1);
    EXPECT_LE(max_abs_diff(out.select(2, i), expected), 1e-12) << "query " << i;
  }
  // A window as long as the input changes nothing.
  EXPECT_LE(max_abs_diff(attention_core(q, k, v, Tensor(), {.window = L}).data(), attention_core_reference(q, k, v).data()),
            1e-12);
}

ModelConfig attention_config(PosKind pos, int64_t block_size) {
  ModelConfig c = test::tiny_config(pos);
  c.block_size = block_size;
  c.bias = true;
  return c;
}

// 17 tokens through a block_size-6 attention: the cache wraps twice, RoPE runs past its table, and
// the window is what makes step and forward agree (the same weights without it give other rows).
TEST(AttentionStep, EqualsForwardPastBlockSize) {
  for (PosKind pos : {PosKind::rope, PosKind::alibi, PosKind::none}) {
    SCOPED_TRACE(enum_name(pos));
    CausalSelfAttention m(attention_config(pos, 6), DType::f64);
    test::randomise(m, 10, 0.5);
    m.eval();
    const int64_t L = 17;
    const Tensor x = test::randn({2, L, 8}, 4);
    const Tensor y = m.forward(Variable(x)).data();
    std::vector<Tensor> state;
    for (int64_t t = 0; t < L; ++t) {
      const Tensor yt = m.step(x.select(1, t).contiguous(), t, state);
      ASSERT_EQ(yt.shape(), Shape({2, 8}));
      EXPECT_LE(max_abs_diff(yt, y.select(1, t)), 1e-12) << "t = " << t;
    }
    CausalSelfAttention unwindowed(attention_config(pos, 64), DType::f64);
    unwindowed.load_state_dict(m.state_dict());
    const Tensor full_context = unwindowed.forward(Variable(x)).data();
    EXPECT_LE(max_abs_diff(full_context.narrow(1, 0, 6), y.narrow(1, 0, 6)), 1e-12);
    EXPECT_GT(max_abs_diff(full_context.select(1, L - 1), y.select(1, L - 1)), 1e-6) << "the window never bound";
  }
}

}  // namespace
}  // namespace sf
