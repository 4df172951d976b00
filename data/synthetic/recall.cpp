// Recall tasks: induction heads (Mamba §4.1.2) and multi-query associative recall (MQAR, Zoology).
#include <algorithm>
#include <numeric>
#include <vector>

#include "core/error.h"
#include "data/synthetic/generators.h"

namespace sf {

void induction_heads_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  SF_CHECK(t.vocab_size >= 3, "induction_heads: data.task.vocab_size must be >= 3, got ", t.vocab_size);
  SF_CHECK(L >= 4, "induction_heads: sequence length must be >= 4, got ", L);
  const int64_t trigger = t.vocab_size - 1;
  for (int64_t i = 0; i < L - 1; ++i) x[i] = rng.uniform(trigger);
  const int64_t p = rng.uniform(L - 3);  // the trigger's value x[p + 1] lies before the final trigger
  x[p] = trigger;
  x[L - 1] = trigger;
  std::fill(y, y + L, kIgnoreIndex);
  y[L - 1] = x[p + 1];
}

void mqar_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  const int64_t half = t.vocab_size / 2, n = t.n_kv;
  SF_CHECK(n <= half - 1, "mqar: data.task.n_kv (", n, ") must be <= vocab_size / 2 − 1 (", half - 1,
           " distinct keys)");
  SF_CHECK(L >= 3 * n, "mqar: sequence length ", L, " is too short for ", n, " pairs and queries (needs >= ", 3 * n,
           ")");
  std::vector<int64_t> keys(half - 1);
  std::iota(keys.begin(), keys.end(), 1);
  for (int64_t i = 0; i < n; ++i) std::swap(keys[i], keys[i + rng.uniform(half - 1 - i)]);
  std::vector<int64_t> values(n);
  for (auto& v : values) v = half + rng.uniform(t.vocab_size - half);
  std::fill(x, x + L, 0);
  std::fill(y, y + L, kIgnoreIndex);
  for (int64_t i = 0; i < n; ++i) {
    x[2 * i] = keys[i];
    x[2 * i + 1] = values[i];
  }
  // Each key is queried once, in random order, at distinct random positions after the pairs.
  const int64_t slots = L - 2 * n;
  std::vector<int64_t> pos(slots), order(n);
  std::iota(pos.begin(), pos.end(), 2 * n);
  std::iota(order.begin(), order.end(), 0);
  for (int64_t i = 0; i < n; ++i) {
    std::swap(pos[i], pos[i + rng.uniform(slots - i)]);
    std::swap(order[i], order[i + rng.uniform(n - i)]);
  }
  for (int64_t i = 0; i < n; ++i) {
    x[pos[i]] = keys[order[i]];
    y[pos[i]] = values[order[i]];
  }
}

}  // namespace sf
