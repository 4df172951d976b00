// Element-wise CUDA kernels: one grid-stride kernel per arity, instantiated once per op so that the
// per-element switch is resolved at compile time. The ops are the math structs of core/elementwise_math.h,
// the code the CPU backend and its tests run too.
//
// elementwise_math.h comes first: its templates look up exp/log/sqrt/log1p/erf/tanh/pow unqualified, which must
// find the <cmath>/CUDA overloads and not a later sf:: function of the same name.
#include "core/elementwise_math.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/elementwise_kernels.h"

namespace sf::cuda {
namespace {

// The forward of a unary op, from its math struct; an op whose f is not __host__ __device__ fails here.
template <class Math>
struct UnaryFn {
  __device__ float operator()(float x) const { return Math::f(x); }
};

// The same for a binary op.
template <class Math>
struct BinaryFn {
  __device__ float operator()(float a, float b) const { return Math::f(a, b); }
};

template <class F>
__global__ void map1(F f, const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = f(x[i]);
}

template <class F>
__global__ void map2(F f, const float* a, const float* b, float* y, int64_t n) {
  // No __restrict__: in-place use (y == a) is allowed.
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = f(a[i], b[i]);
}

constexpr int kThreads = 256;

// Enough blocks to fill any current GPU; the grid-stride loop covers the rest.
unsigned blocks_for(int64_t n) {
  return static_cast<unsigned>(std::min<int64_t>((n + kThreads - 1) / kThreads, int64_t(1) << 16));
}

template <class Math>
void run_unary(const float* x, float* y, int64_t n) {
  map1<<<blocks_for(n), kThreads>>>(UnaryFn<Math>{}, x, y, n);
  SF_CUDA_CHECK(cudaGetLastError());
}

template <class Math>
void run_binary(const float* a, const float* b, float* y, int64_t n) {
  map2<<<blocks_for(n), kThreads>>>(BinaryFn<Math>{}, a, b, y, n);
  SF_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void launch_unary(UnaryOp op, const float* x, float* y, int64_t n) {
  if (n == 0) return;
  // The cases come from the list that declares the enum, so every op has a kernel.
  switch (op) {
#define SF_CASE(name, Math, integers, domain) \
  case UnaryOp::name: return run_unary<math::Math>(x, y, n);
    SF_UNARY_OPS(SF_CASE)
#undef SF_CASE
  }
  throw Error(detail::cat("cuda unary: unknown op ", static_cast<int>(op)));
}

void launch_binary(BinaryOp op, const float* a, const float* b, float* y, int64_t n) {
  if (n == 0) return;
  switch (op) {
#define SF_CASE(name, Math, differentiable, domain) \
  case BinaryOp::name: return run_binary<math::Math>(a, b, y, n);
    SF_BINARY_OPS(SF_CASE)
#undef SF_CASE
  }
  throw Error(detail::cat("cuda binary: unknown op ", static_cast<int>(op)));
}

}  // namespace sf::cuda
