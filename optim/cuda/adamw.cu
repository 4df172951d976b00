// Multi-tensor AdamW: the table of parameters goes to the device once, and one launch covers them all —
// blockIdx.y picks the parameter, the x-dimension strides over its elements. Blocks whose parameter is
// shorter than their offset exit at once. Compiled without FMA contraction (optim/cuda/CMakeLists.txt),
// so the update rounds as the CPU loop does.
#include "optim/adamw_math.h"

#include <algorithm>
#include <functional>
#include <memory>

#include "core/allocator.h"
#include "core/cuda/cuda_check.h"
#include "optim/cuda/adamw_cuda.h"

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

constexpr int kThreads = 256;
constexpr int64_t kMaxTensorsPerLaunch = 65535;  // gridDim.y's limit

}  // namespace

void adamw_step(const std::vector<AdamWTensor>& tensors, int device, double beta1, double beta2, double eps,
                double bias_correction2_sqrt) {
  if (tensors.empty()) return;
  DeviceGuard guard(device);
  const Scalars s{beta1, beta2, eps, bias_correction2_sqrt};
  // The table's device copy comes from the caching allocator: no cudaMalloc / cudaFree in steady state.
  Allocator& allocator = allocator_for(Device::cuda(device));
  const size_t table_bytes = std::min<size_t>(tensors.size(), kMaxTensorsPerLaunch) * sizeof(AdamWTensor);
  std::unique_ptr<void, std::function<void(void*)>> table(
      allocator.allocate(table_bytes), [&](void* p) { allocator.deallocate(p, table_bytes); });
  for (size_t first = 0; first < tensors.size(); first += kMaxTensorsPerLaunch) {
    const size_t count = std::min<size_t>(tensors.size() - first, kMaxTensorsPerLaunch);
    int64_t longest = 0;
    for (size_t i = first; i < first + count; ++i) longest = std::max(longest, tensors[i].numel);
    // Pageable source: the copy is staged before it returns, and the kernel follows it on the stream.
    SF_CUDA_CHECK(cudaMemcpy(table.get(), tensors.data() + first, count * sizeof(AdamWTensor),
                             cudaMemcpyHostToDevice));
    const auto blocks_x = static_cast<unsigned>(std::clamp<int64_t>((longest + kThreads - 1) / kThreads, 1, 1024));
    adamw_kernel<<<dim3(blocks_x, static_cast<unsigned>(count)), kThreads>>>(
        static_cast<const AdamWTensor*>(table.get()), s);
    SF_CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace sf::cuda
