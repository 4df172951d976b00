// The AdamW step on CUDA (optim/cuda/adamw.cu): float32 tensors on one device, every parameter in one
// kernel launch on the default stream, the element update of optim/adamw_math.h. Plain C++, so
// optim/adamw.cpp can call it; built only with the CUDA backend (SF_WITH_CUDA).
#pragma once
#include <cstdint>
#include <vector>

namespace sf::cuda {

// One parameter: device pointers, its element count and its group's scalars.
struct AdamWTensor {
  float* param;
  const float* grad;
  float* exp_avg;
  float* exp_avg_sq;
  int64_t numel;
  double decay;      // 1 − ηλ
  double step_size;  // η / (1 − β1ᵗ)
};

void adamw_step(const std::vector<AdamWTensor>& tensors, int device, double beta1, double beta2, double eps,
                double bias_correction2_sqrt);

}  // namespace sf::cuda
