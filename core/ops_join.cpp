// Dispatch for joining and scanning ops of core/ops.h (kernels in core/cpu/join.*).
#include "core/cpu/join.h"
#include "core/ops.h"
#include "core/ops_common.h"

namespace sf {

using namespace ops_detail;

namespace {

int64_t wrap(const char* op, int64_t dim, int64_t rank) {
  SF_CHECK(rank > 0, op, ": needs a tensor of rank >= 1");
  SF_CHECK(dim >= -rank && dim < rank, op, ": dimension ", dim, " out of range for rank ", rank);
  return dim < 0 ? dim + rank : dim;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  SF_CHECK(!xs.empty(), "cat: no tensors given");
  for (const Tensor& x : xs) {
    check_defined("cat", x);
    require_cpu("cat", {&x});
  }
  const Tensor& first = xs[0];
  const int64_t d = wrap("cat", dim, first.dim());
  for (size_t i = 1; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    check_same_dtype("cat", first, x);
    bool ok = x.dim() == first.dim();
    for (int64_t k = 0; ok && k < x.dim(); ++k) ok = k == d || x.size(k) == first.size(k);
    SF_CHECK(ok, "cat: tensor ", i, " has shape ", shape_str(x.shape()), ", tensor 0 has ", shape_str(first.shape()),
             "; they may differ only in dimension ", d);
  }
  return cpu::cat(xs, d);
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  SF_CHECK(!xs.empty(), "stack: no tensors given");
  const int64_t d = wrap("stack", dim, xs[0].dim() + 1);
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    check_defined("stack", xs[i]);
    SF_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor ", i, " has shape ", shape_str(xs[i].shape()),
             ", tensor 0 has ", shape_str(xs[0].shape()));
    parts.push_back(xs[i].unsqueeze(d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, const Shape& sizes, int64_t dim) {
  check_defined("split", x);
  const int64_t d = wrap("split", dim, x.dim());
  int64_t total = 0;
  for (int64_t s : sizes) {
    SF_CHECK(s >= 0, "split: negative size in ", shape_str(sizes));
    total += s;
  }
  SF_CHECK(total == x.size(d), "split: sizes ", shape_str(sizes), " add up to ", total, ", but dimension ", d, " of ",
           shape_str(x.shape()), " has size ", x.size(d));
  std::vector<Tensor> out;
  int64_t off = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, off, s));
    off += s;
  }
  return out;
}

Tensor cumsum(const Tensor& x, int64_t dim) {
  check_defined("cumsum", x);
  check_arith("cumsum", x);
  require_cpu("cumsum", {&x});
  return cpu::cumsum(x, wrap("cumsum", dim, x.dim()));
}

Tensor flip(const Tensor& x, int64_t dim) {
  check_defined("flip", x);
  require_cpu("flip", {&x});
  return cpu::flip(x, wrap("flip", dim, x.dim()));
}

}  // namespace sf
