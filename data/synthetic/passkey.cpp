// Passkey retrieval (spec mixers.md §8.5; after Mohtashami & Jaggi 2023): a 5-digit key hidden in filler,
// recalled at the end of the sequence.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/synthetic/generators.h"

namespace sf {

void passkey_example(const TaskConfig& t, int64_t L, ExampleRng& rng, int64_t* x, int64_t* y) {
  SF_CHECK(t.vocab_size > kPasskeyFiller, "passkey: data.task.vocab_size must be > ", kPasskeyFiller,
           " (digits, markers and at least one filler token), got ", t.vocab_size);
  const int64_t key_len = kPasskeyDigits + 2, query_len = kPasskeyDigits + 1;
  SF_CHECK(L >= key_len + query_len, "passkey: sequence length ", L,
           " is too short for the key and the query (needs >= ", key_len + query_len, ")");
  const int64_t haystack = L - query_len, last_start = haystack - key_len;
  const int64_t start = t.passkey_depth < 0 ? rng.uniform(last_start + 1)
                                            : std::llround(t.passkey_depth * static_cast<double>(last_start));
  for (int64_t i = 0; i < haystack; ++i) x[i] = kPasskeyFiller + rng.uniform(t.vocab_size - kPasskeyFiller);
  std::fill(y, y + L, kIgnoreIndex);
  x[start] = kPasskeyKey;
  x[start + key_len - 1] = kPasskeyKeyEnd;
  x[haystack] = kPasskeyQuery;
  for (int64_t k = 0; k < kPasskeyDigits; ++k) {
    const int64_t digit = rng.uniform(10);
    x[start + 1 + k] = digit;
    x[haystack + 1 + k] = digit;
    y[haystack + k] = digit;  // teacher forcing: [QUERY] predicts d1, d1 predicts d2, ..., d4 predicts d5
  }
}

}  // namespace sf
