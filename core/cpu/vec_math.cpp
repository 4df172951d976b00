#include "core/cpu/vec_math.h"

#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "core/cpu/loop.h"
#include "core/parallel.h"

namespace sf::cpu {
namespace {

template <class T>
using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T>
using CMap = Eigen::Map<const Arr<T>>;
template <class T>
using Map = Eigen::Map<Arr<T>>;

constexpr double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kTanhK = 0.79788456080286535588, kTanhC = 0.044715;

// GCC leaves Eigen's packet sin/cos (psincos_float) and its pmadd steps out of line here, a call per packet
// operation; flattening the loop inlines them (the M2 filter activations fell from ~6.5 % to ~1.2 % of
// a block step, 1 thread).
#define SF_FLATTEN __attribute__((flatten))

template <class F>
void chunks(int64_t n, F&& f) {
  parallel_for(n, kElementGrain, [&](int64_t b, int64_t e) { f(b, e - b); });
}

// Calls f(gelu(a), gelu'(a)) with both as lazy Eigen expressions of a: one place for the formulas.
template <class T, class F>
void with_gelu(const CMap<T>& a, bool tanh_approx, F&& f) {
  const T half(0.5), one(1);
  if (tanh_approx) {
    const auto th = (T(kTanhK) * (a + T(kTanhC) * a.cube())).tanh();
    f(half * a * (one + th),
      half * (one + th) + half * a * (one - th.square()) * T(kTanhK) * (one + T(3) * T(kTanhC) * a.square()));
  } else {
    const auto e = (a * T(kInvSqrt2)).erf();
    f(half * a * (one + e), half * (one + e) + a * T(kInvSqrt2Pi) * (T(-0.5) * a.square()).exp());
  }
}

}  // namespace

void gelu_f32(const float* x, float* y, int64_t n, bool tanh_approx) {
  chunks(n, [&](int64_t b, int64_t m) {
    with_gelu<float>(CMap<float>(x + b, m), tanh_approx, [&](const auto& f, const auto&) { Map<float>(y + b, m) = f; });
  });
}

void gelu_backward_f32(const float* g, const float* x, float* dx, int64_t n, bool tanh_approx) {
  chunks(n, [&](int64_t b, int64_t m) {
    with_gelu<float>(CMap<float>(x + b, m), tanh_approx,
                     [&](const auto&, const auto& df) { Map<float>(dx + b, m) = CMap<float>(g + b, m) * df; });
  });
}

template <class T>
void gelu_glu(const T* h, T* y, int64_t rows, int64_t F, bool tanh_approx) {
  parallel_for(rows, std::max<int64_t>(1, kElementGrain / F), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* a = h + r * 2 * F;
      with_gelu<T>(CMap<T>(a, F), tanh_approx,
                   [&](const auto& f, const auto&) { Map<T>(y + r * F, F) = f * CMap<T>(a + F, F); });
    }
  });
}

template <class T>
void gelu_glu_backward(const T* g, const T* h, T* dh, int64_t rows, int64_t F, bool tanh_approx) {
  parallel_for(rows, std::max<int64_t>(1, kElementGrain / F), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* a = h + r * 2 * F;
      T* d = dh + r * 2 * F;
      const CMap<T> gr(g + r * F, F);
      with_gelu<T>(CMap<T>(a, F), tanh_approx, [&](const auto& f, const auto& df) {
        Map<T>(d, F) = gr * CMap<T>(a + F, F) * df;
        Map<T>(d + F, F) = gr * f;
      });
    }
  });
}

template <class T>
void scaled_sin(const T* x, const T* w, T* y, int64_t rows, int64_t n) {
  const CMap<T> wm(w, n);
  parallel_for(rows, std::max<int64_t>(1, kElementGrain / n), [&](int64_t r0, int64_t r1) SF_FLATTEN {
    for (int64_t r = r0; r < r1; ++r) Map<T>(y + r * n, n) = (CMap<T>(x + r * n, n) * wm).sin();
  });
}

template <class T>
void scaled_sin_backward(const T* g, const T* x, const T* w, T* dx, T* dw, int64_t rows, int64_t n) {
  constexpr int64_t kRows = 256;  // rows per partial sum of dw: fixed, so dw does not depend on the threads
  const int64_t blocks = (rows + kRows - 1) / kRows;
  const CMap<T> wm(w, n);
  Arr<T> partial = Arr<T>::Zero(blocks * n);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) SF_FLATTEN {
    Arr<T> c(n);
    for (int64_t blk = b0; blk < b1; ++blk)
      for (int64_t r = blk * kRows; r < std::min(rows, (blk + 1) * kRows); ++r) {
        const CMap<T> xr(x + r * n, n);
        c = CMap<T>(g + r * n, n) * (xr * wm).cos();
        Map<T>(dx + r * n, n) = c * wm;
        partial.segment(blk * n, n) += c * xr;
      }
  });
  Map<T> out(dw, n);
  out.setZero();
  for (int64_t blk = 0; blk < blocks; ++blk) out += partial.segment(blk * n, n);
}

template void scaled_sin<float>(const float*, const float*, float*, int64_t, int64_t);
template void scaled_sin<double>(const double*, const double*, double*, int64_t, int64_t);
template void scaled_sin_backward<float>(const float*, const float*, const float*, float*, float*, int64_t, int64_t);
template void scaled_sin_backward<double>(const double*, const double*, const double*, double*, double*, int64_t,
                                          int64_t);
template <class T>
void gated_pair(const T* g, const T* a, const T* b, T* y, int64_t rows, int64_t n) {
  parallel_for(rows, std::max<int64_t>(1, kElementGrain / n), [&](int64_t r0, int64_t r1) {
    const T one(1);
    for (int64_t r = r0; r < r1; ++r) {
      const T* gr = g + r * 2 * n;
      Map<T>(y + r * n, n) = CMap<T>(a + r * n, n) / (one + (-CMap<T>(gr, n)).exp()) +
                             CMap<T>(b + r * n, n) / (one + (-CMap<T>(gr + n, n)).exp());
    }
  });
}

template <class T>
void gated_pair_backward(const T* dy, const T* g, const T* a, const T* b, T* dg, T* da, T* db, int64_t rows,
                         int64_t n) {
  parallel_for(rows, std::max<int64_t>(1, kElementGrain / n), [&](int64_t r0, int64_t r1) {
    const T one(1);
    Arr<T> s(n);
    for (int64_t r = r0; r < r1; ++r) {
      const T* gr = g + r * 2 * n;
      const CMap<T> d(dy + r * n, n);
      for (int64_t half = 0; half < 2; ++half) {
        const CMap<T> x((half ? b : a) + r * n, n);
        s = one / (one + (-CMap<T>(gr + half * n, n)).exp());
        Map<T>((half ? db : da) + r * n, n) = d * s;
        Map<T>(dg + r * 2 * n + half * n, n) = d * x * s * (one - s);
      }
    }
  });
}

template void gated_pair<float>(const float*, const float*, const float*, float*, int64_t, int64_t);
template void gated_pair<double>(const double*, const double*, const double*, double*, int64_t, int64_t);
template void gated_pair_backward<float>(const float*, const float*, const float*, const float*, float*, float*,
                                         float*, int64_t, int64_t);
template void gated_pair_backward<double>(const double*, const double*, const double*, const double*, double*,
                                          double*, double*, int64_t, int64_t);
template void gelu_glu<float>(const float*, float*, int64_t, int64_t, bool);
template void gelu_glu<double>(const double*, double*, int64_t, int64_t, bool);
template void gelu_glu_backward<float>(const float*, const float*, float*, int64_t, int64_t, bool);
template void gelu_glu_backward<double>(const double*, const double*, double*, int64_t, int64_t, bool);

}  // namespace sf::cpu
