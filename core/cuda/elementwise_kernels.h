// Launchers of the element-wise kernels (elementwise.cu): contiguous float32 buffers of n elements
// on the current device, default stream. Internal to core/cuda; dispatch.cpp wraps them for Tensors.
#pragma once
#include <cstdint>

#include "core/ops.h"

namespace sf::cuda {

void launch_unary(UnaryOp op, const float* x, float* y, int64_t n);
void launch_binary(BinaryOp op, const float* a, const float* b, float* y, int64_t n);

}  // namespace sf::cuda
