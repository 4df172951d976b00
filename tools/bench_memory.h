// Memory scenarios of `seqforge bench` (a scenario file with a `memory:` list, tools/bench/mezo_memory.yaml):
// the allocator's peak bytes in use (parameters included) over one step of each listed method on the same
// model and batch, spec/optim.md §3.8. Methods: no_grad_forward (the loss without an autograd tape, what
// MeZO's two forwards run), mezo (one MeZO step: perturb, two forwards, restore, update), backprop_adamw
// (forward, backward, clipping and an AdamW step whose state is allocated inside the measurement),
// lora_adamw (the same with LoRA q,v r=4 attached for the step: the base frozen, no gradient or state for it).
// Prints the ratio backprop_adamw / mezo next to an analytic prediction, params·(4 + 4 + 8) bytes (weights,
// gradients, Adam moments) plus the saved activations (bytes the autograd tape holds after a forward with
// gradients, measured), over params·4 plus the no-grad forward's transient, and the MeZO paper's 7-12x;
// then one JSON object.
#pragma once
#include <cstdint>
#include <string>

namespace sf::cli {

// Whether the scenario file is a memory scenario (it has a `memory:` key).
bool is_memory_scenario(const std::string& path);

// Runs it; `threads` > 0 overrides the scenario's.
void run_memory_bench(const std::string& path, int64_t threads);

}  // namespace sf::cli
