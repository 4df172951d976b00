// Recomputation in backward (activation checkpointing): `fn` maps `inputs` to one output. The forward
// runs it without recording a graph and keeps only the inputs; backward runs it again with recording
// and backpropagates through that copy. A chunked scan that checkpoints each chunk so stores only the
// chunk-boundary states, not the chunk's intermediates (Titans' memory, layers/titans/neural_memory.h).
// `fn` must be deterministic and must not read Variables other than its inputs that need gradients
// (those would get none): pass every such tensor as an input.
#pragma once
#include <functional>
#include <vector>

#include "autograd/function.h"

namespace sf {

using CheckpointFn = std::function<Variable(const std::vector<Variable>& inputs)>;

Variable checkpoint(const char* name, CheckpointFn fn, const std::vector<Variable>& inputs);

}  // namespace sf
