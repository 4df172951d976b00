// Block scenarios of `seqforge bench` (a scenario file with a `blocks:` map, tools/bench/mixer_blocks.yaml):
// forward + backward throughput of single residual blocks (the model's TransformerBlock around one mixer,
// float32, dropout 0) over a list of sequence lengths, against tools/bench/torch_mixers.py (PyTorch, at its
// best set-up) run in the same command. One timed iteration is what the peer times: zero the gradients,
// out = block(x), backward of sum(out ⊙ g) for a fixed random g, with x requiring grad. Per (block, L): warm-up
// iterations, then reps = clamp(budget / warm-up time, min_reps, reps) timed ones; the median is reported.
// Prints a table of tokens/s and ratios, and one JSON object per (block, L) and program, so that
// tools/plot/plot_blocks.py can draw tokens/s against L.
#pragma once
#include <string>

namespace sf::cli {

// Whether the scenario file is a block scenario (it has a `blocks:` key).
bool is_block_scenario(const std::string& path);

// Runs it; `peer` is "" or "torch", `peer_script` the PyTorch script ("" = tools/bench/torch_mixers.py),
// `threads` > 0 overrides the scenario's. With `json_out` non-empty, the JSON lines also go to that file.
void run_block_bench(const std::string& path, const std::string& peer, std::string peer_script, int64_t threads,
                     const std::string& json_out);

}  // namespace sf::cli
