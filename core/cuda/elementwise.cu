// Element-wise CUDA kernels: one grid-stride kernel per arity, instantiated once per op so that the
// per-element switch is resolved at compile time. The math of the non-trivial functions comes from
// core/elementwise_math.h, the code the CPU backend and its tests run too.
//
// elementwise_math.h comes first: its templates look up exp/log1p/erf/tanh unqualified, which must
// find the <cmath>/CUDA overloads and not a later sf:: function of the same name.
#include "core/elementwise_math.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/elementwise_kernels.h"

namespace sf::cuda {
namespace {

template <UnaryOp op>
struct UnaryFn {
  __device__ float operator()(float x) const {
    if constexpr (op == UnaryOp::neg) return -x;
    else if constexpr (op == UnaryOp::exp) return expf(x);
    else if constexpr (op == UnaryOp::log) return logf(x);
    else if constexpr (op == UnaryOp::sqrt) return sqrtf(x);
    else if constexpr (op == UnaryOp::rsqrt) return 1.0f / sqrtf(x);
    else if constexpr (op == UnaryOp::tanh) return tanhf(x);
    else if constexpr (op == UnaryOp::sigmoid) return math::sigmoid(x);
    else if constexpr (op == UnaryOp::relu) return x < 0.0f ? 0.0f : x;  // NaN stays NaN
    else if constexpr (op == UnaryOp::gelu_tanh) return math::gelu_tanh(x);
    else if constexpr (op == UnaryOp::gelu_erf) return math::gelu_erf(x);
    else if constexpr (op == UnaryOp::silu) return math::silu(x);
    else if constexpr (op == UnaryOp::softplus) return math::softplus(x);
    else if constexpr (op == UnaryOp::abs) return fabsf(x);
    else if constexpr (op == UnaryOp::sign) return float((x > 0.0f) - (x < 0.0f));
    else if constexpr (op == UnaryOp::square) return x * x;
    else if constexpr (op == UnaryOp::reciprocal) return 1.0f / x;
    else static_assert(op != op, "UnaryOp without a CUDA kernel");
  }
};

template <BinaryOp op>
struct BinaryFn {
  __device__ float operator()(float a, float b) const {
    if constexpr (op == BinaryOp::add) return a + b;
    else if constexpr (op == BinaryOp::sub) return a - b;
    else if constexpr (op == BinaryOp::mul) return a * b;
    else if constexpr (op == BinaryOp::div) return a / b;
    else if constexpr (op == BinaryOp::pow) return powf(a, b);
    else if constexpr (op == BinaryOp::maximum) return (a != a || a > b) ? a : b;  // NaN wins
    else if constexpr (op == BinaryOp::minimum) return (a != a || a < b) ? a : b;
    else if constexpr (op == BinaryOp::eq) return float(a == b);
    else if constexpr (op == BinaryOp::ne) return float(a != b);
    else if constexpr (op == BinaryOp::lt) return float(a < b);
    else if constexpr (op == BinaryOp::le) return float(a <= b);
    else if constexpr (op == BinaryOp::gt) return float(a > b);
    else if constexpr (op == BinaryOp::ge) return float(a >= b);
    else static_assert(op != op, "BinaryOp without a CUDA kernel");
  }
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

template <UnaryOp op>
void run_unary(const float* x, float* y, int64_t n) {
  map1<<<blocks_for(n), kThreads>>>(UnaryFn<op>{}, x, y, n);
}

template <BinaryOp op>
void run_binary(const float* a, const float* b, float* y, int64_t n) {
  map2<<<blocks_for(n), kThreads>>>(BinaryFn<op>{}, a, b, y, n);
}

}  // namespace

void launch_unary(UnaryOp op, const float* x, float* y, int64_t n) {
  if (n == 0) return;
  switch (op) {
#define SF_CASE(name) case UnaryOp::name: run_unary<UnaryOp::name>(x, y, n); break;
    SF_CASE(neg) SF_CASE(exp) SF_CASE(log) SF_CASE(sqrt) SF_CASE(rsqrt) SF_CASE(tanh)
    SF_CASE(sigmoid) SF_CASE(relu) SF_CASE(gelu_tanh) SF_CASE(gelu_erf) SF_CASE(silu)
    SF_CASE(softplus) SF_CASE(abs) SF_CASE(sign) SF_CASE(square) SF_CASE(reciprocal)
#undef SF_CASE
    default: throw Error(detail::cat("cuda unary: no kernel for ", op_name(op)));
  }
  SF_CUDA_CHECK(cudaGetLastError());
}

void launch_binary(BinaryOp op, const float* a, const float* b, float* y, int64_t n) {
  if (n == 0) return;
  switch (op) {
#define SF_CASE(name) case BinaryOp::name: run_binary<BinaryOp::name>(a, b, y, n); break;
    SF_CASE(add) SF_CASE(sub) SF_CASE(mul) SF_CASE(div) SF_CASE(pow) SF_CASE(maximum)
    SF_CASE(minimum) SF_CASE(eq) SF_CASE(ne) SF_CASE(lt) SF_CASE(le) SF_CASE(gt) SF_CASE(ge)
#undef SF_CASE
    default: throw Error(detail::cat("cuda binary: no kernel for ", op_name(op)));
  }
  SF_CUDA_CHECK(cudaGetLastError());
}

}  // namespace sf::cuda
