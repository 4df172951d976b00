// Vectorised element-wise kernels over contiguous spans (AVX-512 through Eigen's packet math): GELU
// (float32) and the fused ops of autograd/fused_glu.h, fused_sin.h and fused_gates.h (float32 and float64).
// The scalar std::erf / std::tanh / std::exp / std::sin that core/elementwise_math.h uses do not vectorise
// without -ffast-math, which made GELU the largest non-GEMM cost of a GPT training step. Element-wise, so
// independent of the thread count. Eigen's float erf is a rational approximation accurate to a few ulp;
// its tanh, exp, sin and cos likewise.
#pragma once
#include <cstdint>

namespace sf::cpu {

// y = gelu(x): 0.5 x (1 + erf(x / √2)), or the tanh approximation.
void gelu_f32(const float* x, float* y, int64_t n, bool tanh_approx);
// dx = g · gelu'(x).
void gelu_backward_f32(const float* g, const float* x, float* dx, int64_t n, bool tanh_approx);

// The GELU gated linear unit over contiguous rows (float and double): h (rows, 2F) -> y (rows, F) with
// y = gelu(h[:, :F]) ⊙ h[:, F:], and its backward dh (rows, 2F) from dy (rows, F).
template <class T>
void gelu_glu(const T* h, T* y, int64_t rows, int64_t F, bool tanh_approx);
template <class T>
void gelu_glu_backward(const T* g, const T* h, T* dh, int64_t rows, int64_t F, bool tanh_approx);

// y = sin(x ⊙ w) over contiguous rows x (rows, n), w (n) (float and double; Eigen's vectorised sin), and
// its backward: dx = g ⊙ cos(x ⊙ w) ⊙ w, dw = Σ_rows g ⊙ cos(x ⊙ w) ⊙ x, summed in fixed row blocks.
template <class T>
void scaled_sin(const T* x, const T* w, T* y, int64_t rows, int64_t n);
template <class T>
void scaled_sin_backward(const T* g, const T* x, const T* w, T* dx, T* dw, int64_t rows, int64_t n);

// Two sigmoid-gated paths summed, over contiguous rows: g (rows, 2n), a and b (rows, n) ->
// y = σ(g[:, :n]) ⊙ a + σ(g[:, n:]) ⊙ b (float and double); backward gives dg (rows, 2n), da, db.
template <class T>
void gated_pair(const T* g, const T* a, const T* b, T* y, int64_t rows, int64_t n);
template <class T>
void gated_pair_backward(const T* dy, const T* g, const T* a, const T* b, T* dg, T* da, T* db, int64_t rows,
                         int64_t n);

}  // namespace sf::cpu
