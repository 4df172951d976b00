// Parity, Keep-nth and k-hop (ParaRNN, Danieli et al. 2025, App. C.2).
#include <algorithm>
#include <vector>

#include "core/error.h"
#include "data/synthetic/generators.h"

namespace sf {

void parity_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  SF_CHECK(t.vocab_size == 2, "parity: data.task.vocab_size must be 2, got ", t.vocab_size);
  int64_t ones = 0;
  for (int64_t l = 0; l < L; ++l) ones += x[l] = rng.uniform(2);
  std::fill(y, y + L, kIgnoreIndex);
  y[L - 1] = ones % 2;
}

void keep_nth_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  SF_CHECK(L >= t.keep_n, "keep_nth: sequence length ", L, " is shorter than data.task.keep_n = ", t.keep_n);
  for (int64_t l = 0; l < L; ++l) x[l] = rng.uniform(t.vocab_size);
  std::fill(y, y + L, kIgnoreIndex);
  y[L - 1] = x[t.keep_n - 1];
}

void khop_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  for (int64_t l = 0; l < L; ++l) x[l] = rng.uniform(t.vocab_size);
  // find(i) = 1 + the last p < i with x_p = x_i (−1 if none): the position after the previous occurrence.
  std::vector<int64_t> find(L), last(t.vocab_size, -1);
  for (int64_t i = 0; i < L; ++i) {
    find[i] = last[x[i]] >= 0 ? last[x[i]] + 1 : -1;
    last[x[i]] = i;
  }
  for (int64_t i = 0; i < L; ++i) {
    int64_t j = i;
    for (int64_t k = 0; k < t.hops && j >= 0; ++k) j = find[j];
    y[i] = j >= 0 ? x[j] : kIgnoreIndex;
  }
}

}  // namespace sf
