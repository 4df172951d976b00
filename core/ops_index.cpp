// Dispatch for the indexing ops of core/ops.h (kernels in core/cpu/index.*).
#include "core/cpu/index.h"
#include "core/ops.h"
#include "core/ops_common.h"

namespace sf {

using namespace ops_detail;

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined("index_select", x);
  check_defined("index_select", index);
  check_index("index_select", index);
  require_cpu("index_select", {&x, &index});
  SF_CHECK(index.dim() == 1, "index_select: index must be 1-D, got ", shape_str(index.shape()));
  SF_CHECK(x.dim() > 0, "index_select: needs a tensor of rank >= 1");
  SF_CHECK(dim >= -x.dim() && dim < x.dim(), "index_select: dimension ", dim, " out of range for shape ",
           shape_str(x.shape()));
  return cpu::index_select("index_select", x, dim < 0 ? dim + x.dim() : dim, index);
}

Tensor embedding(const Tensor& weight, const Tensor& index) {
  check_defined("embedding", weight);
  check_defined("embedding", index);
  check_index("embedding", index);
  require_cpu("embedding", {&weight, &index});
  SF_CHECK(weight.dim() == 2, "embedding: weight must be 2-D (rows, dim), got ", shape_str(weight.shape()));
  Shape shape = index.shape();
  shape.push_back(weight.size(1));
  return cpu::index_select("embedding", weight, 0, index.reshape({-1})).view(shape);
}

Tensor index_add(const Shape& shape, const Tensor& index, const Tensor& src) {
  check_defined("index_add", index);
  check_defined("index_add", src);
  check_index("index_add", index);
  check_arith("index_add", src);
  require_cpu("index_add", {&index, &src});
  SF_CHECK(index.dim() == 1, "index_add: index must be 1-D, got ", shape_str(index.shape()));
  SF_CHECK(!shape.empty(), "index_add: the output needs rank >= 1");
  Shape want = shape;
  want[0] = index.numel();
  SF_CHECK(src.shape() == want, "index_add: src ", shape_str(src.shape()), " should be ", shape_str(want), " for ",
           index.numel(), " indices into ", shape_str(shape));
  return cpu::index_add(shape, index, src);
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined("gather", x);
  check_defined("gather", index);
  check_index("gather", index);
  require_cpu("gather", {&x, &index});
  SF_CHECK(x.dim() > 0 && index.dim() == x.dim(), "gather: index ", shape_str(index.shape()),
           " must have the rank of the input ", shape_str(x.shape()));
  SF_CHECK(dim >= -x.dim() && dim < x.dim(), "gather: dimension ", dim, " out of range for shape ", shape_str(x.shape()));
  const int64_t d0 = dim < 0 ? dim + x.dim() : dim;
  for (int64_t d = 0; d < x.dim(); ++d)
    SF_CHECK(d == d0 || index.size(d) <= x.size(d), "gather: index ", shape_str(index.shape()),
             " is larger than the input ", shape_str(x.shape()), " in dimension ", d);
  return cpu::gather(x, d0, index);
}

Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", index);
  check_defined("scatter_add", src);
  check_index("scatter_add", index);
  check_arith("scatter_add", src);
  require_cpu("scatter_add", {&index, &src});
  const int64_t nd = static_cast<int64_t>(shape.size());
  SF_CHECK(nd > 0 && index.dim() == nd, "scatter_add: index ", shape_str(index.shape()),
           " must have the rank of the output ", shape_str(shape));
  SF_CHECK(src.shape() == index.shape(), "scatter_add: src ", shape_str(src.shape()), " and index ",
           shape_str(index.shape()), " differ in shape");
  SF_CHECK(dim >= -nd && dim < nd, "scatter_add: dimension ", dim, " out of range for shape ", shape_str(shape));
  const int64_t d0 = dim < 0 ? dim + nd : dim;
  for (int64_t d = 0; d < nd; ++d)
    SF_CHECK(d == d0 || index.size(d) <= shape[d], "scatter_add: index ", shape_str(index.shape()),
             " is larger than the output ", shape_str(shape), " in dimension ", d);
  return cpu::scatter_add(shape, d0, index, src);
}

Tensor one_hot(const Tensor& index, int64_t num_classes, DType dtype) {
  check_defined("one_hot", index);
  check_index("one_hot", index);
  require_cpu("one_hot", {&index});
  SF_CHECK(num_classes > 0, "one_hot: num_classes must be positive, got ", num_classes);
  SF_CHECK(dtype != DType::bf16, "one_hot: bfloat16 is a storage type; use float32");
  return cpu::one_hot(index, num_classes, dtype);
}

}  // namespace sf
