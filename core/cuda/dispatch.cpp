// Tensor-level entry points of the CUDA element-wise kernels: check the operands, allocate the
// result on the operands' device, launch.
#include "core/cuda/cuda_backend.h"
#include "core/cuda/cuda_check.h"
#include "core/cuda/elementwise_kernels.h"

namespace sf::cuda {

static void check_operand(const char* what, const Tensor& t) {
  SF_CHECK(t.device().is_cuda(), what, ": operand is on ", t.device().str(), ", expected cuda");
  SF_CHECK(t.dtype() == DType::f32, what, ": the CUDA backend computes float32, got ",
           dtype_name(t.dtype()));
  SF_CHECK(t.is_contiguous(), what, ": the CUDA kernels take contiguous operands");
}

Tensor unary(UnaryOp op, const Tensor& x) {
  check_operand(op_name(op), x);
  Tensor y = empty(x.shape(), DType::f32, x.device());
  DeviceGuard guard(x.device().index);
  launch_unary(op, x.device_data<float>(), y.device_data<float>(), x.numel());
  return y;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_operand(op_name(op), a);
  check_operand(op_name(op), b);
  SF_CHECK(a.shape() == b.shape(), op_name(op), ": the CUDA kernel takes equal shapes, got ",
           shape_str(a.shape()), " and ", shape_str(b.shape()));
  SF_CHECK(a.device() == b.device(), op_name(op), ": operands on ", a.device().str(), " and ",
           b.device().str());
  Tensor y = empty(a.shape(), DType::f32, a.device());
  DeviceGuard guard(a.device().index);
  launch_binary(op, a.device_data<float>(), b.device_data<float>(), y.device_data<float>(), a.numel());
  return y;
}

}  // namespace sf::cuda
