// Indexing ops; their backward scatters (adds) the gradient back to the rows that were read.
#include "autograd/functions.h"

namespace sf {

Variable index_select(const Variable& x, int64_t dim, const Tensor& index) {
  int64_t d = wrap_dim(dim, x.dim());
  return record("index_select", index_select(x.data(), d, index), {x}, [xs = x.shape(), d, index](const Tensor& g) {
    // Move `d` to the front, add rows, move it back.
    Shape front = xs;
    std::swap(front[0], front[d]);
    Tensor gx = index_add(front, index, g.transpose(0, d));
    return std::vector<Tensor>{gx.transpose(0, d)};
  });
}

Variable embedding(const Variable& weight, const Tensor& index) {
  return record("embedding", embedding(weight.data(), index), {weight}, [ws = weight.shape(), index](const Tensor& g) {
    return std::vector<Tensor>{index_add(ws, index.reshape({-1}), g.reshape({-1, ws[1]}))};
  });
}

Variable gather(const Variable& x, int64_t dim, const Tensor& index) {
  return record("gather", gather(x.data(), dim, index), {x}, [xs = x.shape(), dim, index](const Tensor& g) {
    return std::vector<Tensor>{scatter_add(xs, dim, index, g)};
  });
}

Variable scatter_add(const Variable& base, int64_t dim, const Tensor& index, const Variable& src) {
  Tensor out = add(base.data(), scatter_add(base.shape(), dim, index, src.data()));
  return record("scatter_add", out, {base, src}, [dim, index](const Tensor& g) {
    return std::vector<Tensor>{g, gather(g, dim, index)};
  });
}

}  // namespace sf
