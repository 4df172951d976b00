// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_ with the L2 norm).
//
// The norm is sqrt(Σ_p ‖g_p‖²) over every parameter that has a gradient (parameters without one
// are skipped), accumulated in float64 over fixed blocks and summed in a fixed order, so it is
// bitwise the same for any thread count. Call it after the data-parallel all-reduce and AMP
// unscaling, before the optimizer step.
#pragma once
#include <vector>

#include "autograd/variable.h"

namespace sf {

double grad_norm(const std::vector<Variable>& params);

// Scales every gradient in place by min(1, max_norm / (norm + 1e-6)) when max_norm > 0 (0 = off)
// and returns the norm before clipping. A non-finite norm leaves the gradients untouched: the
// caller skips such a step (grads_finite tells why).
double clip_grad_norm(const std::vector<Variable>& params, double max_norm);

// True when no gradient holds a NaN or an infinity.
bool grads_finite(const std::vector<Variable>& params);

}  // namespace sf
