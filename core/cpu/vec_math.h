// Vectorised float32 GELU over contiguous spans (AVX-512 through Eigen's packet math). The scalar
// std::erf / std::tanh that core/elementwise_math.h uses do not vectorise without -ffast-math, which made
// GELU the largest non-GEMM cost of a GPT training step. Element-wise, so independent of the thread count.
// Eigen's float erf is a rational approximation accurate to a few ulp; its tanh likewise.
#pragma once
#include <cstdint>

namespace sf::cpu {

// y = gelu(x): 0.5 x (1 + erf(x / √2)), or the tanh approximation.
void gelu_f32(const float* x, float* y, int64_t n, bool tanh_approx);
// dx = g · gelu'(x).
void gelu_backward_f32(const float* g, const float* x, float* dx, int64_t n, bool tanh_approx);

}  // namespace sf::cpu
