// Compiled with -ffp-contract=off (layers/CMakeLists.txt): the accumulation order of §2.2 must not be
// fused into FMAs, or the bits would differ from the CUDA kernels'.
#include "layers/adapters/nola_basis.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/function.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"

namespace sf {
namespace {

constexpr int64_t kGrain = 4096;

void check(const NolaBasis& b, DType dtype) {
  SF_CHECK(b.rows > 0 && b.cols > 0 && b.chunk > 0, "nola: basis shape (", b.rows, ", ", b.cols, ") and chunk ",
           b.chunk, " must be positive");
  SF_CHECK(dtype == DType::f32 || dtype == DType::f64, "nola: coefficients must be float32 or float64, got ",
           dtype_name(dtype));
}

template <class T>
void fill_basis(T* out, const NolaBasis& b, uint32_t idx) {
  const int64_t n = b.rows * b.cols;
  if (idx == kNolaOffsetIndex) {  // a·usym exactly: mid = 0, half = a
    const T a = T(1) / std::sqrt(T(b.cols));
    rng_uniform(out, n, RngStream{b.seed, idx, kTagNola}, 0, -a, a);
  } else {
    rng_uniform(out, n, RngStream{b.seed, idx, kTagNola}, 0, T(-1), T(1));
  }
}

template <class T>
Tensor mix_impl(const Tensor& coef, const NolaBasis& b) {
  const int64_t n = b.rows * b.cols, k = coef.numel();
  Tensor out = zeros({b.rows, b.cols}, coef.dtype());
  T* acc = out.data<T>();
  if (b.offset) fill_basis(acc, b, kNolaOffsetIndex);
  const Tensor c_coef = coef.contiguous();
  const T* alpha = c_coef.data<T>();
  const T c = T(1) / std::sqrt(T(k));
  std::vector<T> chunk(static_cast<size_t>(std::min(b.chunk, k) * n));
  std::vector<T> w(static_cast<size_t>(std::min(b.chunk, k)));
  for (int64_t i0 = 0; i0 < k; i0 += b.chunk) {
    const int64_t m = std::min(b.chunk, k - i0);
    for (int64_t j = 0; j < m; ++j) {
      fill_basis(chunk.data() + j * n, b, static_cast<uint32_t>(i0 + j));
      w[static_cast<size_t>(j)] = alpha[i0 + j] * c;
    }
    parallel_for(n, kGrain, [&](int64_t e0, int64_t e1) {
      for (int64_t j = 0; j < m; ++j) {  // i ascending for every element, whatever the split
        const T wj = w[static_cast<size_t>(j)];
        const T* u = chunk.data() + j * n;
        for (int64_t e = e0; e < e1; ++e) acc[e] = acc[e] + wj * u[e];
      }
    });
  }
  return out;
}

template <class T>
Tensor backward_impl(const Tensor& grad, const NolaBasis& b, int64_t k) {
  const int64_t n = b.rows * b.cols;
  SF_CHECK(grad.numel() == n, "nola backward: gradient has ", grad.numel(), " elements, the basis ", n);
  const Tensor g = grad.contiguous();
  const T* gd = g.data<T>();
  Tensor out = empty({k}, grad.dtype());
  T* dcoef = out.data<T>();
  const double c = static_cast<double>(T(1) / std::sqrt(T(k)));
  std::vector<T> chunk(static_cast<size_t>(std::min(b.chunk, k) * n));
  for (int64_t i0 = 0; i0 < k; i0 += b.chunk) {
    const int64_t m = std::min(b.chunk, k - i0);
    for (int64_t j = 0; j < m; ++j) fill_basis(chunk.data() + j * n, b, static_cast<uint32_t>(i0 + j));
    parallel_for(m, 1, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) {
        const T* u = chunk.data() + j * n;
        double dot = 0;
        for (int64_t e = 0; e < n; ++e) dot += static_cast<double>(gd[e]) * static_cast<double>(u[e]);
        dcoef[i0 + j] = static_cast<T>(c * dot);
      }
    });
  }
  return out;
}

}  // namespace

Tensor nola_basis_tensor(const NolaBasis& basis, uint32_t idx, DType dtype) {
  check(basis, dtype);
  Tensor out = empty({basis.rows, basis.cols}, dtype);
  if (dtype == DType::f32) {
    fill_basis(out.data<float>(), basis, idx);
  } else {
    fill_basis(out.data<double>(), basis, idx);
  }
  return out;
}

Tensor nola_mix(const Tensor& coef, const NolaBasis& basis) {
  check(basis, coef.dtype());
  SF_CHECK(coef.dim() == 1 && coef.numel() > 0, "nola: coefficients must be a non-empty vector, got ",
           shape_str(coef.shape()));
  return coef.dtype() == DType::f32 ? mix_impl<float>(coef, basis) : mix_impl<double>(coef, basis);
}

Tensor nola_mix_backward(const Tensor& grad, const NolaBasis& basis, int64_t k) {
  check(basis, grad.dtype());
  return grad.dtype() == DType::f32 ? backward_impl<float>(grad, basis, k) : backward_impl<double>(grad, basis, k);
}

Variable nola_mix(const Variable& coef, const NolaBasis& basis) {
  const int64_t k = coef.numel();
  return record("nola_mix", nola_mix(coef.data(), basis), {coef},
                [basis, k](const Tensor& g) { return std::vector<Tensor>{nola_mix_backward(g, basis, k)}; });
}

}  // namespace sf
