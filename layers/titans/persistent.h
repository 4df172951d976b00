// Titans' persistent memory (spec mixers.md §6.4): N_p learned tokens P (N_p, D) put in front of every
// sequence, the same for all inputs (so prepending them keeps a mixer causal), and taken off its output.
#pragma once
#include "autograd/functions.h"

namespace sf {

// [P ‖ x] for x (B, L, D); x itself when P is undefined (no persistent tokens).
inline Variable with_persistent(const Variable& persistent, const Variable& x) {
  if (!persistent.defined()) return x;
  const Variable p = expand(unsqueeze(persistent, 0), {x.size(0), persistent.size(0), persistent.size(1)});
  return cat({p, x}, 1);
}

// The rows of y (B, N_p + L, D) that belong to x.
inline Variable without_persistent(const Variable& persistent, const Variable& y) {
  if (!persistent.defined()) return y;
  return narrow(y, 1, persistent.size(0), y.size(1) - persistent.size(0));
}

}  // namespace sf
