// CPU kernels for indexing (see core/ops.h). Indices are int32 or int64; each kernel checks every index
// against its bound and throws "<op>: index 70 out of range for 65 rows"-style errors. Copying kernels
// move raw elements, so they take every dtype (bfloat16 included); the adding ones take arithmetic dtypes.
// index_add and scatter_add are deterministic without atomics: each output row (index_add) or fiber along
// `dim` (scatter_add) is owned by one thread and adds its sources in index order.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

Tensor index_select(const char* op, const Tensor& x, int64_t dim, const Tensor& index);
Tensor index_add(const Shape& shape, const Tensor& index, const Tensor& src);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype);

}  // namespace sf::cpu
