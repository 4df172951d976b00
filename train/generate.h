// Autoregressive sampling, reproducible from a seed (counter-based RNG): temperature, top-k and top-p
// (train/sampler.h says in which order), and one of two ways to get each next token's logits:
//
//   step       token by token through SequenceModel::step: attention blocks keep a KV cache, recurrent
//              mixers (RNNs, SSMs) their state. Per token O(D²) per block, plus O(min(t, block_size)·D)
//              per attention block at text length t.
//   recompute  forward() over the context for every new token (--no-cache): the reference the step
//              path is tested against, O(context) per token.
//
// Texts longer than model.block_size, by positional scheme:
//   relative (rope, alibi, none): the model runs over the whole text, and every attention block looks at
//     a sliding window of the newest block_size tokens (layers/transformer/causal_self_attention.h);
//     recurrent mixers carry their state over everything. step keeps block_size rows of KV cache (a
//     ring); recompute runs forward() over the whole text, whose attention has the same window. Both
//     give the same logits (to rounding) and so, for one seed, the same tokens.
//   absolute (learned, sinusoidal): positions past block_size were never trained (learned ones do not
//     exist), so a generation whose text would outgrow block_size recomputes, for every token, the last
//     block_size tokens from position 0, as nanoGPT does; each window shifts every position, so no
//     cached key would stay valid. A text that fits steps (the same logits: nothing is cropped).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "layers/sequence_model.h"

namespace sf {

struct SampleOptions {
  int64_t tokens = 200;      // new tokens to draw
  double temperature = 0.8;  // >= 0; lower is greedier, 0 = greedy (defaults: nanoGPT's sample.py)
  int64_t top_k = 200;       // keep the k most likely tokens; 0 = all
  double top_p = 1.0;        // then the nucleus of probability p, in (0, 1]; 1 = all
  uint64_t seed = 0;
  uint32_t stream = 0;  // which of the seed's random streams: --num-samples draws sample i from stream i
  bool cache = true;    // false: recompute (--no-cache)
};

// Throws sf::Error naming the flag (--tokens, --temperature, --top-k, --top-p) of a value out of range.
void check_sample_options(const SampleOptions& options);

enum class GenerationPath {
  step,              // KV cache / recurrent state
  recompute,         // forward() over the whole text
  recompute_window,  // forward() over the last block_size tokens (past block_size, with absolute positions
                     // or a mixer without step(): M2)
};
// The path sample() takes with `model` for a text of `length` tokens (prompt and new ones together).
GenerationPath generation_path(const SequenceModel& model, int64_t length, bool cache);
// For messages: "KV cache", "recurrent state", "KV cache and recurrent state", "recompute",
// "recompute of the last 64 tokens".
std::string path_name(const SequenceModel& model, GenerationPath path);

// Extends `prompt` (non-empty) by options.tokens ids. `on_token` sees each new id as it is drawn (for
// streaming output).
std::vector<int32_t> sample(SequenceModel& model, std::vector<int32_t> prompt, const SampleOptions& options,
                            const std::function<void(int32_t)>& on_token = nullptr);

}  // namespace sf
