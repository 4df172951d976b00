// Example generators of the synthetic tasks (signatures: ExampleFn in data/synthetic/task.h).
#pragma once
#include "data/synthetic/task.h"

namespace sf {

// Selective copying (spec §8.1, s4 `copying.py` with variable=True): token 0 is noise, vocab−1 the
// marker, 1..vocab−2 data. n_memorize data tokens at random distinct positions among the first
// L − n_memorize slots, then n_memorize markers; targets: the data tokens in order at the markers.
void selective_copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);
// The non-selective control (variable=False): the data tokens come first, then noise, then markers.
void copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

}  // namespace sf
