// CPU kernels for softmax / log_softmax over one dim (already wrapped to [0, rank)) and their backward.
// Each row (or column block, for a non-innermost dim) is done by one thread, max-subtracted, so the
// result does not depend on the thread count.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

Tensor softmax(const Tensor& x, int64_t dim, bool log);
// grad of softmax (log = false, y = softmax(x)) or log_softmax (log = true, y = log_softmax(x)).
Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim, bool log);

}  // namespace sf::cpu
