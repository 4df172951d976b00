#include "optim/mkor_factors.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sf {
namespace {

void check_factor(const Tensor& f, const char* what) {
  SF_CHECK(f.dim() == 2 && f.shape()[0] == f.shape()[1], what, ": the factor must be square, got ",
           shape_str(f.shape()));
  SF_CHECK(f.dtype() == DType::f32 || f.dtype() == DType::f64, what, ": the factor must be float32 or float64, got ",
           dtype_name(f.dtype()));
  SF_CHECK(f.is_contiguous(), what, ": the factor must be contiguous");
}

// F ← a·(F − c·u uᵀ / (1 + c·vᵀu)) with u = F v, after F ← p·F + q·I.
template <class T>
void rank1_update(T* f, int64_t n, const std::vector<double>& v, T p, T q, T c, T a) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) f[i * n + j] *= p;
    f[i * n + i] += q;
  }
  std::vector<T> u(static_cast<size_t>(n), T(0));
  T vu = 0;
  for (int64_t i = 0; i < n; ++i) {
    T s = 0;
    for (int64_t j = 0; j < n; ++j) s += f[i * n + j] * static_cast<T>(v[static_cast<size_t>(j)]);
    u[static_cast<size_t>(i)] = s;
    vu += static_cast<T>(v[static_cast<size_t>(i)]) * s;
  }
  const T scale = c / (T(1) + c * vu);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      f[i * n + j] = a * (f[i * n + j] - scale * (u[static_cast<size_t>(i)] * u[static_cast<size_t>(j)]));
}

template <class T>
void sherman_morrison(Tensor& factor, const std::vector<double>& v, double gamma, MkorInverseUpdate form) {
  T* f = factor.data<T>();
  const int64_t n = factor.shape()[0];
  if (form == MkorInverseUpdate::reference) {
    rank1_update<T>(f, n, v, static_cast<T>(gamma), static_cast<T>(1 - gamma), T(1), T(1));
  } else {
    rank1_update<T>(f, n, v, T(1), T(0), static_cast<T>((1 - gamma) / gamma), static_cast<T>(1 / gamma));
  }
}

template <class T>
void reset(Tensor& factor, MkorResetMode mode, double zeta) {
  T* f = factor.data<T>();
  const int64_t n = factor.shape()[0];
  const T keep = mode == MkorResetMode::identity ? T(0) : static_cast<T>(zeta);
  const T pull = mode == MkorResetMode::identity ? T(1) : static_cast<T>(1 - zeta);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) f[i * n + j] = keep * f[i * n + j];
    f[i * n + i] += pull;
  }
}

}  // namespace

void sherman_morrison_update(Tensor& factor, const std::vector<double>& v, double gamma, MkorInverseUpdate form) {
  check_factor(factor, "sherman_morrison_update");
  SF_CHECK(static_cast<int64_t>(v.size()) == factor.shape()[0], "sherman_morrison_update: vector of ", v.size(),
           " for a factor of size ", factor.shape()[0]);
  SF_CHECK(gamma > 0 && gamma < 1, "sherman_morrison_update: gamma ", gamma, " must be in (0, 1)");
  if (factor.dtype() == DType::f32)
    sherman_morrison<float>(factor, v, gamma, form);
  else
    sherman_morrison<double>(factor, v, gamma, form);
}

void reset_factor(Tensor& factor, MkorResetMode mode, double zeta) {
  check_factor(factor, "reset_factor");
  if (factor.dtype() == DType::f32)
    reset<float>(factor, mode, zeta);
  else
    reset<double>(factor, mode, zeta);
}

double max_abs_entry(const Tensor& factor) {
  check_factor(factor, "max_abs_entry");
  const Tensor f = factor.to(DType::f64);
  const double* p = f.data<double>();
  double m = 0;
  for (int64_t k = 0; k < f.numel(); ++k) {
    if (std::isnan(p[k])) return INFINITY;  // a broken factor must trip the stabiliser too
    m = std::max(m, std::abs(p[k]));
  }
  return m;
}

Tensor identity_matrix(int64_t n, DType dtype) {
  Tensor t = zeros({n, n}, DType::f64);
  double* p = t.data<double>();
  for (int64_t i = 0; i < n; ++i) p[i * n + i] = 1.0;
  return t.to(dtype);
}

}  // namespace sf
