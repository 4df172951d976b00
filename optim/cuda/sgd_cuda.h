// The SGD step on CUDA (optim/cuda/sgd.cu): float32 tensors on one device, every parameter in one kernel
// launch on the default stream, the element update of optim/sgd_math.h. Plain C++, so optim/sgd.cpp can
// call it; built only with the CUDA backend (SF_WITH_CUDA).
#pragma once
#include <cstdint>
#include <vector>

namespace sf::cuda {

// One parameter: device pointers (momentum_buffer null without momentum), its element count and its
// group's scalars.
struct SgdTensor {
  float* param;
  const float* grad;
  float* momentum_buffer;
  int64_t numel;
  double weight_decay;
  double lr;
};

void sgd_step(const std::vector<SgdTensor>& tensors, int device, double momentum, bool nesterov);

}  // namespace sf::cuda
