// The GELU gated linear unit GELU(h[..., :F]) ⊙ h[..., F:] as one autograd op with a hand-written backward
// (kernels: core/cpu/vec_math.h): one vectorised pass each way instead of two strided narrows, a GELU and a
// product (whose GELU, on a non-contiguous half, ran the scalar erf). The composite stays its oracle in tests.
#pragma once
#include "autograd/function.h"

namespace sf {

// h (..., 2F) -> (..., F); exact (erf) GELU, or its tanh approximation.
Variable gelu_glu(const Variable& h, bool tanh_approx);

}  // namespace sf
