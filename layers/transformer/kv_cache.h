// The KV cache of one attention layer for generation (CausalSelfAttention::step): the keys and values of
// the newest `window` tokens, kept in the mixer's state vector as {K, V}, each (B, H, capacity, d_h).
// Token p sits in row p mod window, so once the text outgrows the window the rows are a ring and the
// newest token overwrites the oldest: attention does not depend on the order of its keys, and ALiBi gets
// each row's distance from kv_cache_distances. The capacity starts at 16 rows and doubles up to the
// window, so appending costs amortised O(H·d_h) and a short text with a long block_size holds little.
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace sf {

struct KvCacheView {
  Tensor k, v;  // (B, H, n, d_h), n = min(pos + 1, window): the filled rows, views into the cache
};

// Stores k_t and v_t (B, H, 1, d_h) of the token at position pos; calls run pos = 0, 1, 2, ... and
// `state` is empty exactly at pos = 0.
KvCacheView kv_cache_append(std::vector<Tensor>& state, const Tensor& k_t, const Tensor& v_t, int64_t pos,
                            int64_t window);

// pos − p for the token p in each filled row, once the token at pos is stored: min(pos + 1, window) values.
std::vector<int64_t> kv_cache_distances(int64_t pos, int64_t window);

}  // namespace sf
