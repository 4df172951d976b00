// Per-element math shared by the CPU and CUDA backends (__host__ __device__), so that the CPU
// tests cover the functions the GPU kernels run. No Eigen or other host-only headers here.
#pragma once
#include <cmath>

#if defined(__CUDACC__)
#define SF_HD __host__ __device__ inline
#else
#define SF_HD inline
#endif

namespace sf::math {

#ifndef __CUDACC__
// The float overloads, so float32 math stays float32 (and vectorises) on the host.
using std::erf;
using std::exp;
using std::log1p;
using std::tanh;
#endif

template <class T> SF_HD T sigmoid(T x) { return T(1) / (T(1) + exp(-x)); }
template <class T> SF_HD T softplus(T x) {
  // log(1 + e^x) without overflow: for large x it is x.
  return x > T(20) ? x : log1p(exp(x));
}
template <class T> SF_HD T silu(T x) { return x * sigmoid(x); }
template <class T> SF_HD T gelu_erf(T x) { return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440))); }
template <class T> SF_HD T gelu_tanh(T x) {
  const T k = T(0.79788456080286535588);  // sqrt(2/pi)
  return T(0.5) * x * (T(1) + tanh(k * (x + T(0.044715) * x * x * x)));
}

// Derivatives d/dx, used by the fused backward kernels.
template <class T> SF_HD T d_sigmoid_from_y(T y) { return y * (T(1) - y); }
template <class T> SF_HD T d_tanh_from_y(T y) { return T(1) - y * y; }
template <class T> SF_HD T d_silu(T x) {
  T s = sigmoid(x);
  return s * (T(1) + x * (T(1) - s));
}
template <class T> SF_HD T d_gelu_erf(T x) {
  const T inv_sqrt2 = T(0.70710678118654752440), inv_sqrt2pi = T(0.39894228040143267794);
  return T(0.5) * (T(1) + erf(x * inv_sqrt2)) + x * inv_sqrt2pi * exp(T(-0.5) * x * x);
}
template <class T> SF_HD T d_gelu_tanh(T x) {
  const T k = T(0.79788456080286535588);
  T u = k * (x + T(0.044715) * x * x * x);
  T th = tanh(u);
  return T(0.5) * (T(1) + th) + T(0.5) * x * (T(1) - th * th) * k * (T(1) + T(3 * 0.044715) * x * x);
}

}  // namespace sf::math
