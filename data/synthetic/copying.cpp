// Copying tasks (Mamba §4.1.1; state-spaces/s4 `src/dataloaders/datasets/copying.py`).
#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "data/synthetic/generators.h"

namespace sf {
namespace {

void check_copy(const TaskConfig& t, int64_t L) {
  SF_CHECK(t.vocab_size >= 3, "copying: data.task.vocab_size must be >= 3 (noise, marker, data), got ", t.vocab_size);
  SF_CHECK(L >= 2 * t.n_memorize, "copying: sequence length ", L, " is too short for ", t.n_memorize,
           " tokens to copy (needs >= ", 2 * t.n_memorize, ")");
}

// Writes the markers and targets after the first L − M slots.
void finish(const TaskConfig& t, int64_t L, const std::vector<int64_t>& data, int64_t* x, int64_t* y) {
  const int64_t M = t.n_memorize, marker = t.vocab_size - 1;
  std::fill(y, y + L, kIgnoreIndex);
  for (int64_t i = 0; i < M; ++i) {
    x[L - M + i] = marker;
    y[L - M + i] = data[i];
  }
}

std::vector<int64_t> draw_data(const TaskConfig& t, ExampleRng& rng) {
  std::vector<int64_t> data(t.n_memorize);
  for (auto& d : data) d = 1 + rng.uniform(t.vocab_size - 2);
  return data;
}

}  // namespace

void selective_copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  check_copy(t, L);
  const int64_t M = t.n_memorize, slots = L - M;
  std::vector<int64_t> data = draw_data(t, rng);
  std::vector<int64_t> pos(slots);
  std::iota(pos.begin(), pos.end(), 0);
  for (int64_t i = 0; i < M; ++i) std::swap(pos[i], pos[i + rng.uniform(slots - i)]);  // partial Fisher-Yates
  std::sort(pos.begin(), pos.begin() + M);
  std::fill(x, x + slots, 0);
  for (int64_t i = 0; i < M; ++i) x[pos[i]] = data[i];
  finish(t, L, data, x, y);
}

void copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  check_copy(t, L);
  const int64_t M = t.n_memorize;
  std::vector<int64_t> data = draw_data(t, rng);
  std::fill(x, x + (L - M), 0);
  std::copy(data.begin(), data.end(), x);
  finish(t, L, data, x, y);
}

}  // namespace sf
