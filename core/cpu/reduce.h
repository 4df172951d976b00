// CPU reduction kernels (see core/ops.h). `mask[d]` marks the reduced dims; results have the kept dims
// in order (the dispatch layer applies keepdim with a view).
//
// Determinism and accuracy: every output is reduced by one fixed summation tree that depends only on the
// shapes, never on the thread count. A row is cut into blocks of 4096 elements; a block is summed in 16
// interleaved lanes (vectorisable), the lanes pairwise, and the blocks pairwise. Threads compute blocks or
// rows, not parts of a sum. Sums over a strided (non-innermost) dim add 256-row blocks sequentially, then
// add the block results. Floats accumulate in their own type (float32 stays float32: the blocking keeps
// the error near that of pairwise summation, and double accumulators would halve the vector width);
// integers accumulate in int64.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace sf::cpu {

Tensor sum(const Tensor& x, const std::vector<bool>& mask);
Tensor mean(const Tensor& x, const std::vector<bool>& mask);
Tensor amax(const Tensor& x, const std::vector<bool>& mask);
Tensor amin(const Tensor& x, const std::vector<bool>& mask);
Tensor var(const Tensor& x, const std::vector<bool>& mask, bool unbiased);
Tensor argmax(const Tensor& x, int64_t dim);  // int64, dim removed

}  // namespace sf::cpu
