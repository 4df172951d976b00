// sin(x ⊙ w) with w broadcast along the last dim, as one autograd op with a hand-written backward (kernels:
// core/cpu/vec_math.h): the activation of Hyena / M2 implicit filters (a learned frequency per unit).
// One vectorised pass each way instead of a broadcast product, a scalar sin and their backwards (a
// scalar cos, two products and a column sum). The composite sin(x * w) stays its oracle in tests.
#pragma once
#include "autograd/function.h"

namespace sf {

// x (..., n), w (n) -> (..., n).
Variable scaled_sin(const Variable& x, const Variable& w);

}  // namespace sf
