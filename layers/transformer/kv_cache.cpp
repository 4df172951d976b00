#include "layers/transformer/kv_cache.h"

#include <algorithm>

#include "core/error.h"

namespace sf {
namespace {

constexpr int64_t kFirstCapacity = 16;

// `cache` (B, H, capacity, d_h) with room for `rows` rows: itself, or a copy with twice the capacity
// (at most `window`) when it is full. `like` (B, H, 1, d_h) gives the sizes of a first one.
Tensor with_room(const Tensor& cache, int64_t rows, int64_t window, const Tensor& like) {
  const int64_t capacity = cache.defined() ? cache.size(2) : 0;
  if (rows <= capacity) return cache;
  Tensor grown = empty({like.size(0), like.size(1), std::min(window, std::max(kFirstCapacity, 2 * capacity)), like.size(3)},
                       like.dtype(), like.device());
  if (capacity > 0) grown.narrow(2, 0, capacity).copy_(cache);
  return grown;
}

}  // namespace

KvCacheView kv_cache_append(std::vector<Tensor>& state, const Tensor& k_t, const Tensor& v_t, int64_t pos,
                            int64_t window) {
  SF_CHECK(window > 0 && pos >= 0 && state.empty() == (pos == 0), "KV cache: positions run 0, 1, 2, ... from an empty ",
           "state; got position ", pos, " with ", state.empty() ? "an empty" : "a filled", " state (window ", window, ")");
  SF_CHECK(k_t.dim() == 4 && k_t.size(2) == 1 && k_t.shape() == v_t.shape(), "KV cache: k_t and v_t must be (B, H, 1, d_h), got ",
           shape_str(k_t.shape()), " and ", shape_str(v_t.shape()));
  state.resize(2);
  const int64_t filled = std::min(pos + 1, window), row = pos % window;
  state[0] = with_room(state[0], filled, window, k_t);
  state[1] = with_room(state[1], filled, window, v_t);
  state[0].narrow(2, row, 1).copy_(k_t);
  state[1].narrow(2, row, 1).copy_(v_t);
  return {state[0].narrow(2, 0, filled), state[1].narrow(2, 0, filled)};
}

std::vector<int64_t> kv_cache_distances(int64_t pos, int64_t window) {
  const int64_t filled = std::min(pos + 1, window);
  std::vector<int64_t> d(static_cast<size_t>(filled));
  for (int64_t row = 0; row < filled; ++row) d[static_cast<size_t>(row)] = ((pos - row) % window + window) % window;
  return d;
}

}  // namespace sf
