// CPU kernels for joining and scanning along one dim (already wrapped to [0, rank)); arguments are
// checked by core/ops_join.cpp. cat and flip move raw elements (every dtype); cumsum adds sequentially
// along the dim, one thread per row, in the input's dtype.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace sf::cpu {

Tensor cat(const std::vector<Tensor>& xs, int64_t dim);
Tensor cumsum(const Tensor& x, int64_t dim);
Tensor flip(const Tensor& x, int64_t dim);

}  // namespace sf::cpu
