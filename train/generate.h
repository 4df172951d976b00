// Autoregressive sampling: temperature, top-k, reproducible from a seed (counter-based RNG).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "layers/sequence_model.h"

namespace sf {

struct SampleOptions {
  int64_t tokens = 200;      // new tokens to draw
  double temperature = 0.8;  // > 0; lower is greedier (defaults: nanoGPT's sample.py)
  int64_t top_k = 200;       // keep the k most likely tokens; 0 = all
  uint64_t seed = 0;
};

// Extends `prompt` (non-empty) by options.tokens ids. A model whose mixers all have a recurrent form
// (SequenceModel::step: RNNs, SSMs) runs token by token over the whole text; any other recomputes
// the context cropped to the model's block size, as nanoGPT does. `on_token` sees each new id as it
// is drawn (for streaming output).
std::vector<int32_t> sample(SequenceModel& model, std::vector<int32_t> prompt, const SampleOptions& options,
                            const std::function<void(int32_t)>& on_token = nullptr);

}  // namespace sf
