// Backward of the reductions: the output gradient is broadcast back over the reduced dims.
#include "autograd/functions.h"

namespace sf {
namespace {

// x's shape with the reduced dims kept as 1 (what keepdim=true gives).
Shape keep_shape(const Shape& shape, const Shape& dims) {
  Shape out = shape;
  if (dims.empty()) return Shape(shape.size(), 1);
  for (int64_t d : dims) out[wrap_dim(d, static_cast<int64_t>(shape.size()))] = 1;
  return out;
}

// x's shape without the reduced dims (what keepdim=false gives).
Shape drop_shape(const Shape& shape, const Shape& dims) {
  std::vector<bool> reduced(shape.size(), dims.empty());
  for (int64_t d : dims) reduced[wrap_dim(d, static_cast<int64_t>(shape.size()))] = true;
  Shape out;
  for (size_t i = 0; i < shape.size(); ++i)
    if (!reduced[i]) out.push_back(shape[i]);
  return out;
}

int64_t reduced_count(const Shape& shape, const Shape& dims) {
  return shape_numel(shape) / std::max<int64_t>(shape_numel(keep_shape(shape, dims)), 1);
}

Tensor spread(const Tensor& g, const Shape& shape, const Shape& dims) {
  return g.reshape(keep_shape(shape, dims)).expand(shape);
}

}  // namespace

Variable sum(const Variable& x, const Shape& dims, bool keepdim) {
  return record("sum", sum(x.data(), dims, keepdim), {x}, [shape = x.shape(), dims](const Tensor& g) {
    return std::vector<Tensor>{spread(g, shape, dims)};
  });
}

Variable mean(const Variable& x, const Shape& dims, bool keepdim) {
  double n = static_cast<double>(reduced_count(x.shape(), dims));
  return record("mean", mean(x.data(), dims, keepdim), {x}, [shape = x.shape(), dims, n](const Tensor& g) {
    return std::vector<Tensor>{spread(g * (1.0 / n), shape, dims)};
  });
}

Variable amax(const Variable& x, const Shape& dims, bool keepdim) {
  Tensor m = amax(x.data(), dims, true);
  Tensor out = keepdim ? m : m.reshape(drop_shape(x.shape(), dims));
  return record("amax", out, {x}, [x = x.data(), m, dims](const Tensor& g) {
    Tensor hit = binary(BinaryOp::eq, x, m);
    Tensor count = sum(hit, dims, true);
    return std::vector<Tensor>{hit * (g.reshape(m.shape()) / count)};
  });
}

Variable var(const Variable& x, const Shape& dims, bool unbiased, bool keepdim) {
  double n = static_cast<double>(reduced_count(x.shape(), dims));
  return record("var", var(x.data(), dims, unbiased, keepdim), {x}, [x = x.data(), dims, n, unbiased](const Tensor& g) {
    Tensor centered = x - mean(x, dims, true);
    double scale = 2.0 / (unbiased ? n - 1.0 : n);
    return std::vector<Tensor>{centered * spread(g, x.shape(), dims) * scale};
  });
}

}  // namespace sf
