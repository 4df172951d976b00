// Dropout: inverted dropout in training mode, identity in eval mode or at p = 0. Each call draws
// the next stream of the step set by Module::set_rng_step, so two calls in one step (two uses in
// a block, or two micro-batches) get different masks.
#pragma once
#include "layers/module.h"

namespace sf {

class Dropout : public Module {
 public:
  explicit Dropout(double p);

  Variable forward(const Variable& x);
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace sf
