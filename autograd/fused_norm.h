// LayerNorm and RMSNorm over the last dim as single autograd ops with a hand-written backward (kernels:
// core/cpu/norm.h). They replace the composites mean/sub/square/rsqrt/mul, which stay their oracle in tests.
#pragma once
#include "autograd/function.h"

namespace sf {

// (x − mean) / √(var + eps) · weight + bias; bias may be undefined. var is biased (as PyTorch).
Variable layer_norm(const Variable& x, const Variable& weight, const Variable& bias, double eps);
// x / √(mean(x²) + eps) · weight.
Variable rms_norm(const Variable& x, const Variable& weight, double eps);

}  // namespace sf
