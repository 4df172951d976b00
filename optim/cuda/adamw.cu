// AdamW on CUDA: the element update of optim/adamw_math.h over every parameter in one launch
// (multi_tensor.cuh). Compiled without FMA contraction (optim/cuda/CMakeLists.txt), so the update rounds
// as the CPU loop does.
#include "optim/adamw_math.h"

#include "optim/cuda/adamw_cuda.h"
#include "optim/cuda/multi_tensor.cuh"

namespace sf::cuda {
namespace {

struct Scalars {
  double beta1, beta2, eps, bias_correction2_sqrt;
};

__global__ void adamw_kernel(const AdamWTensor* tensors, Scalars s) {
  const AdamWTensor t = tensors[blockIdx.y];
  const math::AdamWCoeffs<float> c =
      math::adamw_coeffs<float>(t.decay, t.step_size, s.beta1, s.beta2, s.eps, s.bias_correction2_sqrt);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < t.numel;
       i += int64_t(gridDim.x) * blockDim.x)
    math::adamw_element(t.param[i], t.grad[i], t.exp_avg[i], t.exp_avg_sq[i], c);
}

}  // namespace

void adamw_step(const std::vector<AdamWTensor>& tensors, int device, double beta1, double beta2, double eps,
                double bias_correction2_sqrt) {
  launch_multi_tensor(adamw_kernel, tensors, device, Scalars{beta1, beta2, eps, bias_correction2_sqrt});
}

}  // namespace sf::cuda
