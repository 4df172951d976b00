// Example generators of the synthetic tasks (signatures: ExampleFn in data/synthetic/task.h).
#pragma once
#include "data/synthetic/task.h"

namespace sf {

// Selective copying (Mamba §4.1.1; state-spaces/s4 `src/dataloaders/datasets/copying.py` with
// variable=True): token 0 is noise, vocab−1 the marker, 1..vocab−2 data. n_memorize data tokens at
// random distinct positions among the first L − n_memorize slots, then n_memorize markers; targets:
// the data tokens in order at the markers.
void selective_copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);
// The non-selective control (variable=False): the data tokens come first, then noise, then markers.
void copying_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

// ParaRNN's tasks (Danieli et al. 2025, App. C.2). Parity: bits x_l ∈ {0, 1} (vocab_size 2),
// target Σ x_l mod 2 at the last position only.
void parity_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);
// Keep-nth: uniform tokens, target x at 1-based position keep_n, scored at the last position only.
void keep_nth_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);
// k-hop (Sanford et al.'s hop_k; 1-hop = induction heads): uniform tokens; find(i) = 1 + the last
// p < i with x_p = x_i; the target at i is x at find applied `hops` times, scored where that exists.
void khop_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

// Induction heads (Mamba §4.1.2; HazyResearch/safari `src/dataloaders/synthetics.py`): the last
// token of the vocabulary is the trigger, the others are ordinary symbols (15 of 16). Uniform
// symbols, one trigger at p ∈ [0, L − 3), a final trigger at L − 1 whose target is x[p + 1]; only
// that last position is scored (loss and accuracy).
void induction_heads_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);
// Multi-query associative recall (Zoology, Arora et al. 2023, arXiv 2312.04927): keys from
// 1..vocab/2 − 1 (distinct), values from vocab/2..vocab − 1, n_kv pairs k v at the start, then
// noise (0) with every key queried once at a random position; the target at a query is its value.
void mqar_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

// Passkey retrieval (spec mixers.md §8.5): tokens 0..9 are digits, then the markers [KEY], [/KEY],
// [QUERY], then filler kPasskeyFiller..vocab−1 (vocab_size > kPasskeyFiller). Filler up to L − 6 with
// `[KEY] d1 .. d5 [/KEY]` (random digits) starting at round(passkey_depth · (L − 13)) — 0 the first
// token, 1 right before the query; a negative depth draws the start uniformly per example — then
// `[QUERY] d1 .. d5` closing the sequence. Scored: the 5 positions [QUERY], d1 .. d4, each with the next
// digit as target (teacher forcing), so a sequence is retrieved when all 5 are right. L >= 13.
constexpr int64_t kPasskeyDigits = 5;
constexpr int64_t kPasskeyKey = 10, kPasskeyKeyEnd = 11, kPasskeyQuery = 12, kPasskeyFiller = 13;
void passkey_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y);

}  // namespace sf
