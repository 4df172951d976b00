// Mixer: a causal sequence-mixing layer (B, L, D) -> (B, L, D) (spec/mixers.md §0): output row t
// depends only on input rows 0..t. Each mixer lives in its own folder under layers/ and is built
// by name through layers/registry.h.
#pragma once
#include "layers/module.h"

namespace sf {

class Mixer : public Module {
 public:
  virtual Variable forward(const Variable& x) = 0;
};

}  // namespace sf
