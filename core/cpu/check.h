// CPU kernel for all_finite (core/ops.h); the diff checks are composed from other ops.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

bool all_finite(const Tensor& x);  // float32 / float64

}  // namespace sf::cpu
