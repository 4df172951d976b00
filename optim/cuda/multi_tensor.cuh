// One launch for many tensors: a table of per-tensor descriptors (each with a `numel`) goes to the device
// and kernel<<<(x, tensors), 256>>>(table, args...) runs, blockIdx.y picking the tensor and the x-dimension
// striding over its elements (multi_tensor_index). Shared by the optimizers' CUDA steps.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/allocator.h"
#include "core/cuda/cuda_check.h"

namespace sf::cuda {

constexpr int kMultiTensorThreads = 256;

template <class Desc, class... Args>
void launch_multi_tensor(void (*kernel)(const Desc*, Args...), const std::vector<Desc>& tensors, int device,
                         Args... args) {
  if (tensors.empty()) return;
  constexpr size_t kMaxPerLaunch = 65535;  // gridDim.y's limit
  DeviceGuard guard(device);
  // The table's device copy comes from the caching allocator: no cudaMalloc / cudaFree in steady state.
  Allocator& allocator = allocator_for(Device::cuda(device));
  const size_t table_bytes = std::min(tensors.size(), kMaxPerLaunch) * sizeof(Desc);
  std::unique_ptr<void, std::function<void(void*)>> table(
      allocator.allocate(table_bytes), [&](void* p) { allocator.deallocate(p, table_bytes); });
  for (size_t first = 0; first < tensors.size(); first += kMaxPerLaunch) {
    const size_t count = std::min(tensors.size() - first, kMaxPerLaunch);
    int64_t longest = 0;
    for (size_t i = first; i < first + count; ++i) longest = std::max<int64_t>(longest, tensors[i].numel);
    // Pageable source: the copy is staged before it returns, and the kernel follows it on the stream.
    SF_CUDA_CHECK(cudaMemcpy(table.get(), tensors.data() + first, count * sizeof(Desc), cudaMemcpyHostToDevice));
    const int64_t blocks = (longest + kMultiTensorThreads - 1) / kMultiTensorThreads;
    const dim3 grid(static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, 1024)), static_cast<unsigned>(count));
    kernel<<<grid, kMultiTensorThreads>>>(static_cast<const Desc*>(table.get()), args...);
    SF_CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace sf::cuda
