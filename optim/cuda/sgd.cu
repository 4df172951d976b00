// SGD with momentum on CUDA: the element update of optim/sgd_math.h over every parameter in one launch
// (multi_tensor.cuh), without FMA contraction like the CPU loop.
#include "optim/sgd_math.h"

#include "optim/cuda/multi_tensor.cuh"
#include "optim/cuda/sgd_cuda.h"

namespace sf::cuda {
namespace {

struct Scalars {
  double momentum;
  bool nesterov;
};

__global__ void sgd_kernel(const SgdTensor* tensors, Scalars s) {
  const SgdTensor t = tensors[blockIdx.y];
  const math::SgdCoeffs<float> c = math::sgd_coeffs<float>(t.weight_decay, s.momentum, t.lr, s.nesterov);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < t.numel;
       i += int64_t(gridDim.x) * blockDim.x)
    math::sgd_element(t.param[i], t.grad[i], t.momentum_buffer ? t.momentum_buffer + i : nullptr, c);
}

}  // namespace

void sgd_step(const std::vector<SgdTensor>& tensors, int device, double momentum, bool nesterov) {
  launch_multi_tensor(sgd_kernel, tensors, device, Scalars{momentum, nesterov});
}

}  // namespace sf::cuda
