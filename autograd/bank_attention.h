// Attention of every row of x over a fixed bank of M vectors: softmax(x Mᵀ) M, keys and values both the
// bank, no scaling, no mask (GAM's "global" path, Acharya 2025 §3; spec mixers.md §5.1). One autograd op
// that works through the rows in tiles: the (rows, M) probabilities exist for one tile at a time, in
// forward and again (recomputed) in backward, so memory is O(rows · D + tile · M), never O(rows · M).
#pragma once
#include "autograd/function.h"

namespace sf {

// x (..., D), bank (M, D) -> (..., D). `tile_rows` > 0 rows of x per tile (a tuning knob: results do
// not depend on it beyond rounding of the GEMMs).
Variable bank_attention(const Variable& x, const Variable& bank, int64_t tile_rows = 256);

// The same from primitive ops (materialises the probabilities): the oracle in tests.
Variable bank_attention_reference(const Variable& x, const Variable& bank);

}  // namespace sf
