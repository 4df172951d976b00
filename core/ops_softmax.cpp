// Dispatch for the softmax family of core/ops.h (kernels in core/cpu/softmax.*).
#include "core/cpu/softmax.h"
#include "core/ops.h"
#include "core/ops_common.h"

namespace sf {

using namespace ops_detail;

namespace {

int64_t check_softmax(const char* op, const Tensor& x, int64_t dim) {
  check_defined(op, x);
  check_floating(op, x);
  require_cpu(op, {&x});
  SF_CHECK(x.dim() > 0, op, ": needs a tensor of rank >= 1");
  SF_CHECK(dim >= -x.dim() && dim < x.dim(), op, ": dimension ", dim, " out of range for shape ", shape_str(x.shape()));
  return dim < 0 ? dim + x.dim() : dim;
}

int64_t check_backward(const char* op, const Tensor& grad, const Tensor& y, int64_t dim) {
  int64_t d = check_softmax(op, y, dim);
  check_defined(op, grad);
  check_same_dtype(op, grad, y);
  require_cpu(op, {&grad});
  SF_CHECK(grad.shape() == y.shape(), op, ": grad ", shape_str(grad.shape()), " and output ", shape_str(y.shape()),
           " differ in shape");
  return d;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return cpu::softmax(x, check_softmax("softmax", x, dim), false); }

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return cpu::softmax(x, check_softmax("log_softmax", x, dim), true);
}

Tensor softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return cpu::softmax_backward(grad, y, check_backward("softmax_backward", grad, y, dim), false);
}

Tensor log_softmax_backward(const Tensor& grad, const Tensor& y, int64_t dim) {
  return cpu::softmax_backward(grad, y, check_backward("log_softmax_backward", grad, y, dim), true);
}

}  // namespace sf
