#include "layers/dropout.h"

#include "autograd/functions.h"

namespace sf {

Dropout::Dropout(double p) : p_(p) {
  SF_CHECK(p >= 0.0 && p < 1.0, "Dropout: p must be in [0, 1), got ", p);
}

Variable Dropout::forward(const Variable& x) {
  if (!training() || p_ == 0.0) return x;
  return dropout(x, p_, true, next_rng_stream(kTagDrop));
}

}  // namespace sf
