// Mixer: a causal sequence-mixing layer (B, L, D) -> (B, L, D): output row t
// depends only on input rows 0..t. Each mixer lives in its own folder under layers/ and is built
// by name through layers/registry.h.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "layers/module.h"

namespace sf {

class Mixer : public Module {
 public:
  virtual Variable forward(const Variable& x) = 0;

  // Recurrent form for generation, without grad: x_t (B, D) at position `pos` -> y_t (B, D), equal to
  // row pos of forward() over the tokens so far. Calls run pos = 0, 1, 2, ...; `state` starts empty
  // and is the mixer's to fill and update (attention: its KV cache, which needs pos for RoPE; the
  // recurrent mixers ignore it). Mixers without one answer false, and generation recomputes instead.
  virtual bool has_step() const { return false; }
  virtual Tensor step(const Tensor& /*x_t*/, int64_t /*pos*/, std::vector<Tensor>& /*state*/) {
    throw Error("this mixer has no recurrent form (Mixer::has_step() is false)");
  }

  // Whether the block applies its dropout to this mixer's output before the residual add (true for
  // most; GAM's reference adds its gated paths without dropout).
  virtual bool dropout_on_output() const { return true; }

  // Numbers about the last forward that a training log should show (ParaRNN: Newton iterations and
  // final residual); empty for most mixers.
  using Diagnostics = std::vector<std::pair<std::string, double>>;
  virtual Diagnostics diagnostics() const { return {}; }
};

}  // namespace sf
