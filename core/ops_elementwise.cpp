// Dispatch for the element-wise ops of core/ops.h: checks, then the CPU kernels (core/cpu/elementwise.*)
// or, for contiguous float32 CUDA tensors, the CUDA backend.
#include "core/cpu/elementwise.h"
#include "core/ops.h"
#include "core/ops_common.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {

using namespace ops_detail;

const char* op_name(UnaryOp op) { return unary_op_info(op).name; }

const char* op_name(BinaryOp op) { return binary_op_info(op).name; }

namespace {

#ifdef SF_WITH_CUDA
bool cuda_f32_contiguous(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->dtype() != DType::f32 || !t->is_contiguous()) return false;
  return true;
}
#endif

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  const char* name = op_name(op);
  check_defined(name, x);
  check_arith(name, x);
  SF_CHECK(is_floating(x.dtype()) || unary_op_info(op).integers, name, ": needs a floating dtype, got ",
           dtype_name(x.dtype()));
#ifdef SF_WITH_CUDA
  if (x.device().is_cuda()) {
    SF_CHECK(cuda_f32_contiguous({&x}), name, ": the CUDA kernel needs a contiguous float32 tensor");
    return cuda::unary(op, x);
  }
#endif
  require_cpu(name, {&x});
  return cpu::unary(op, x);
}

Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y) {
  const char* name = "unary_backward";
  check_defined(name, grad);
  check_defined(name, x);
  check_floating(name, x);
  check_same_dtype(name, grad, x);
  SF_CHECK(grad.shape() == x.shape(), name, " (", op_name(op), "): grad ", shape_str(grad.shape()), " and input ",
           shape_str(x.shape()), " differ in shape");
  if (y.defined()) {
    check_same_dtype(name, y, x);
    SF_CHECK(y.shape() == x.shape(), name, " (", op_name(op), "): output ", shape_str(y.shape()), " and input ",
             shape_str(x.shape()), " differ in shape");
  }
  require_cpu(name, {&grad, &x, &y});
  return cpu::unary_backward(op, grad, x, y);
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = op_name(op);
  check_defined(name, a);
  check_defined(name, b);
  check_arith(name, a);
  check_same_dtype(name, a, b);
  SF_CHECK(a.shape() == b.shape() || broadcastable(a.shape(), b.shape()), name, ": shapes ",
           shape_str(a.shape()), " and ", shape_str(b.shape()), " do not broadcast");
  if (all_cuda(name, {&a, &b})) {
#ifdef SF_WITH_CUDA
    SF_CHECK(a.shape() == b.shape() && cuda_f32_contiguous({&a, &b}), name,
             ": the CUDA kernel needs contiguous float32 tensors of one shape, got ", shape_str(a.shape()), " and ",
             shape_str(b.shape()));
    return cuda::binary(op, a, b);
#endif
  }
  require_cpu(name, {&a, &b});
  return cpu::binary(op, a, b);
}

Tensor binary(BinaryOp op, const Tensor& a, double b) {
  const char* name = op_name(op);
  check_defined(name, a);
  check_arith(name, a);
#ifdef SF_WITH_CUDA
  if (a.device().is_cuda()) return binary(op, a, full(a.shape(), b, a.dtype(), a.device()));
#endif
  require_cpu(name, {&a});
  return cpu::binary(op, a, b);
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  check_defined("clamp", x);
  check_arith("clamp", x);
  SF_CHECK(!(lo > hi), "clamp: lower bound ", lo, " is above upper bound ", hi);
  require_cpu("clamp", {&x});
  return cpu::clamp(x, lo, hi);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  for (const Tensor* t : {&cond, &a, &b}) check_defined("where", *t);
  check_arith("where", a);
  check_arith("where", cond);
  check_same_dtype("where", a, b);
  SF_CHECK(broadcastable(cond.shape(), a.shape()) && broadcastable(a.shape(), b.shape()) &&
               broadcastable(cond.shape(), b.shape()),
           "where: shapes ", shape_str(cond.shape()), " (condition), ", shape_str(a.shape()), " and ",
           shape_str(b.shape()), " do not broadcast");
  require_cpu("where", {&cond, &a, &b});
  return cpu::where(cond, a, b);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined("masked_fill", x);
  check_defined("masked_fill", mask);
  check_arith("masked_fill", x);
  check_arith("masked_fill", mask);
  SF_CHECK(broadcastable(mask.shape(), x.shape()) && broadcast_shapes(mask.shape(), x.shape()) == x.shape(),
           "masked_fill: mask ", shape_str(mask.shape()), " does not broadcast to the input's shape ",
           shape_str(x.shape()));
  require_cpu("masked_fill", {&x, &mask});
  return cpu::masked_fill(x, mask, value);
}

void axpy_(Tensor& y, const Tensor& x, double alpha) {
  check_defined("axpy_", y);
  check_defined("axpy_", x);
  check_arith("axpy_", y);
  check_same_dtype("axpy_", y, x);
  SF_CHECK(y.shape() == x.shape(), "axpy_: y ", shape_str(y.shape()), " and x ", shape_str(x.shape()),
           " differ in shape");
  SF_CHECK(y.is_contiguous(), "axpy_: y must be contiguous");
  require_cpu("axpy_", {&y, &x});
  cpu::axpy_(y, x, alpha);
}

}  // namespace sf
