// Dispatch for the reductions of core/ops.h (kernels in core/cpu/reduce.*).
#include "core/cpu/reduce.h"
#include "core/ops.h"
#include "core/ops_common.h"

namespace sf {

using namespace ops_detail;

namespace {

// The kernels return the kept dims; keepdim puts size-1 dims back where the reduced ones were.
Tensor with_keepdim(const Tensor& r, const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  if (!keepdim) return r;
  Shape s = x.shape();
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[d]) s[d] = 1;
  return r.view(s);
}

template <class Kernel>
Tensor reduce(const char* op, const Tensor& x, const Shape& dims, bool keepdim, bool floating, Kernel k) {
  check_defined(op, x);
  if (floating) check_floating(op, x);
  else check_arith(op, x);
  require_cpu(op, {&x});
  std::vector<bool> mask = reduced_dims(op, dims, x.dim());
  return with_keepdim(k(x, mask), x, mask, keepdim);
}

void check_nonempty(const char* op, const Tensor& x, const std::vector<bool>& mask) {
  for (int64_t d = 0; d < x.dim(); ++d)
    SF_CHECK(!mask[d] || x.size(d) > 0, op, ": cannot reduce over dimension ", d, " of size 0 in ",
             shape_str(x.shape()));
}

}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce("sum", x, dims, keepdim, false, [](const Tensor& t, const std::vector<bool>& m) { return cpu::sum(t, m); });
}

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce("mean", x, dims, keepdim, true,
                [](const Tensor& t, const std::vector<bool>& m) { return cpu::mean(t, m); });
}

Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce("amax", x, dims, keepdim, false, [](const Tensor& t, const std::vector<bool>& m) {
    check_nonempty("amax", t, m);
    return cpu::amax(t, m);
  });
}

Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) {
  return reduce("amin", x, dims, keepdim, false, [](const Tensor& t, const std::vector<bool>& m) {
    check_nonempty("amin", t, m);
    return cpu::amin(t, m);
  });
}

Tensor var(const Tensor& x, const Shape& dims, bool unbiased, bool keepdim) {
  return reduce("var", x, dims, keepdim, true,
                [unbiased](const Tensor& t, const std::vector<bool>& m) { return cpu::var(t, m, unbiased); });
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  check_defined("argmax", x);
  check_arith("argmax", x);
  require_cpu("argmax", {&x});
  SF_CHECK(x.dim() > 0, "argmax: needs a tensor of rank >= 1");
  SF_CHECK(dim >= -x.dim() && dim < x.dim(), "argmax: dimension ", dim, " out of range for shape ",
           shape_str(x.shape()));
  int64_t d = dim < 0 ? dim + x.dim() : dim;
  SF_CHECK(x.size(d) > 0, "argmax: dimension ", dim, " of ", shape_str(x.shape()), " is empty");
  Tensor r = cpu::argmax(x, d);
  return keepdim ? r.unsqueeze(d) : r;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  check_defined("sum_to", x);
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  bool ok = lead >= 0;
  Shape dims;
  for (int64_t d = 0; ok && d < x.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
    } else if (shape[d - lead] != x.size(d)) {
      ok = shape[d - lead] == 1;
      dims.push_back(d);
    }
  }
  SF_CHECK(ok, "sum_to: shape ", shape_str(x.shape()), " cannot be summed to ", shape_str(shape),
           " (it must broadcast to the input's shape)");
  if (dims.empty()) return x.clone();
  return sum(x, dims, true).view(shape);
}

}  // namespace sf
