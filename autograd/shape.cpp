// Views and joins: the backward of a view is the inverse view (or a scatter into zeros).
#include "autograd/functions.h"

namespace sf {

Variable reshape(const Variable& x, const Shape& shape) {
  return record("reshape", x.data().reshape(shape), {x}, [xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{g.reshape(xs)};
  });
}

Variable permute(const Variable& x, const Shape& dims) {
  Shape inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], x.dim())] = static_cast<int64_t>(i);
  return record("permute", x.data().permute(dims), {x}, [inverse](const Tensor& g) {
    return std::vector<Tensor>{g.permute(inverse)};
  });
}

Variable transpose(const Variable& x, int64_t a, int64_t b) {
  return record("transpose", x.data().transpose(a, b), {x}, [a, b](const Tensor& g) {
    return std::vector<Tensor>{g.transpose(a, b)};
  });
}

Variable narrow(const Variable& x, int64_t dim, int64_t start, int64_t length) {
  Tensor out = x.data().narrow(dim, start, length);
  return record("narrow", out, {x}, [xs = x.shape(), dtype = x.dtype(), dim, start, length](const Tensor& g) {
    Tensor gx = zeros(xs, dtype, g.device());
    gx.narrow(dim, start, length).copy_(g);
    return std::vector<Tensor>{gx};
  });
}

Variable add_narrow(const Variable& x, int64_t dim, int64_t start, const Variable& u) {
  const int64_t d = wrap_dim(dim, x.dim());
  SF_CHECK(u.dim() == x.dim() && u.dtype() == x.dtype(), "add_narrow: u ", shape_str(u.shape()), " ",
           dtype_name(u.dtype()), " does not match x ", shape_str(x.shape()), " ", dtype_name(x.dtype()));
  Shape slot_shape = x.shape();
  slot_shape[static_cast<size_t>(d)] = u.size(d);
  SF_CHECK(u.shape() == slot_shape && start >= 0 && start + u.size(d) <= x.size(d), "add_narrow: u ",
           shape_str(u.shape()), " does not fit x ", shape_str(x.shape()), " at ", start, " along dim ", d);
  Tensor out = x.data().contiguous().clone();
  Tensor slot = out.narrow(d, start, u.size(d));
  slot.copy_(add(slot, u.data()));
  return record("add_narrow", out, {x, u}, [d, start, len = u.size(d)](const Tensor& g) {
    return std::vector<Tensor>{g, g.narrow(d, start, len).contiguous()};
  });
}

Variable select(const Variable& x, int64_t dim, int64_t index) {
  return record("select", x.data().select(dim, index), {x}, [xs = x.shape(), dtype = x.dtype(), dim, index](const Tensor& g) {
    Tensor gx = zeros(xs, dtype, g.device());
    gx.select(dim, index).copy_(g);
    return std::vector<Tensor>{gx};
  });
}

Variable expand(const Variable& x, const Shape& shape) {
  return record("expand", x.data().expand(shape), {x}, [xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, xs)};
  });
}

Variable unsqueeze(const Variable& x, int64_t dim) {
  int64_t d = wrap_dim(dim, x.dim() + 1);
  return record("unsqueeze", x.data().unsqueeze(d), {x}, [d](const Tensor& g) {
    return std::vector<Tensor>{g.squeeze(d)};
  });
}

Variable squeeze(const Variable& x, int64_t dim) {
  int64_t d = wrap_dim(dim, x.dim());
  return record("squeeze", x.data().squeeze(d), {x}, [d](const Tensor& g) {
    return std::vector<Tensor>{g.unsqueeze(d)};
  });
}

Variable contiguous(const Variable& x) {
  if (x.data().is_contiguous()) return x;
  return record("contiguous", x.data().contiguous(), {x}, [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Variable cat(const std::vector<Variable>& xs, int64_t dim) {
  SF_CHECK(!xs.empty(), "cat: no tensors given");
  std::vector<Tensor> ts;
  Shape sizes;
  int64_t d = wrap_dim(dim, xs[0].dim());
  for (const auto& x : xs) {
    ts.push_back(x.data());
    sizes.push_back(x.size(d));
  }
  return record("cat", cat(ts, d), xs, [sizes, d](const Tensor& g) { return split(g, sizes, d); });
}

Variable stack(const std::vector<Variable>& xs, int64_t dim) {
  SF_CHECK(!xs.empty(), "stack: no tensors given");
  std::vector<Tensor> ts;
  for (const auto& x : xs) ts.push_back(x.data());
  int64_t d = wrap_dim(dim, xs[0].dim() + 1);
  int64_t n = static_cast<int64_t>(xs.size());
  return record("stack", stack(ts, d), xs, [d, n](const Tensor& g) {
    std::vector<Tensor> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(g.select(d, i));
    return out;
  });
}

std::vector<Variable> split(const Variable& x, const Shape& sizes, int64_t dim) {
  std::vector<Variable> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, dim, start, s));
    start += s;
  }
  SF_CHECK(start == x.size(dim), "split: sizes ", shape_str(sizes), " do not add up to ", x.size(dim));
  return out;
}

Variable cumsum(const Variable& x, int64_t dim) {
  return record("cumsum", cumsum(x.data(), dim), {x}, [dim](const Tensor& g) {
    return std::vector<Tensor>{flip(cumsum(flip(g, dim), dim), dim)};
  });
}

}  // namespace sf
