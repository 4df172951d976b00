#include "core/cpu/elementwise.h"

#include <atomic>
#include <cmath>
#include <type_traits>
#include <utility>

#include "core/cpu/loop.h"
#include "core/cpu/vec_math.h"
#include "core/elementwise_math.h"

namespace sf::cpu {
namespace {

// An op as a compile-time type: its enumerator and its math (core/elementwise_math.h).
template <class Op, Op OP, class M>
struct Kernel {
  static constexpr Op op = OP;
  using Math = M;
};

// Turn a runtime op into a compile-time Kernel, so that each op gets its own vectorisable loop. The cases
// come from the list that declares the enum, so every op has one.
template <class F>
decltype(auto) with_unary(UnaryOp op, F&& f) {
  switch (op) {
#define SF_CASE(name, Math, integers, domain) \
  case UnaryOp::name: return f(Kernel<UnaryOp, UnaryOp::name, math::Math>{});
    SF_UNARY_OPS(SF_CASE)
#undef SF_CASE
  }
  throw Error("unary: unknown op");
}

template <class F>
decltype(auto) with_binary(BinaryOp op, F&& f) {
  switch (op) {
#define SF_CASE(name, Math, differentiable, domain) \
  case BinaryOp::name: return f(Kernel<BinaryOp, BinaryOp::name, math::Math>{});
    SF_BINARY_OPS(SF_CASE)
#undef SF_CASE
  }
  throw Error("binary: unknown op");
}

template <size_t N>
bool all_unit(const std::array<int64_t, N>& s) {
  for (int64_t v : s)
    if (v != 1) return false;
  return true;
}

// The loop over one inner run: k(i0, i1, ...) with i_k = o_k + i * s_k; unit strides get a plain
// vectorisable loop.
template <size_t N, class K, size_t... I>
inline void inner_run(const std::array<int64_t, N>& o, int64_t n, const std::array<int64_t, N>& s, K& k,
                      std::index_sequence<I...>) {
  if (all_unit(s)) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) k((o[I] + i)...);
  } else {
    for (int64_t i = 0; i < n; ++i) k((o[I] + i * s[I])...);
  }
}

// Runs k(idx_0, ..., idx_{N-1}) over every element of `shape`, idx_k indexing operand k.
template <size_t N, class K>
void for_each(const Shape& shape, const std::array<Shape, N>& strides, K k) {
  StridedLoop<N> loop(shape, strides);
  loop.run([&](const std::array<int64_t, N>& o, int64_t n, const std::array<int64_t, N>& s) {
    inner_run(o, n, s, k, std::make_index_sequence<N>{});
  });
}

template <class T, class K>
Tensor unary_t(const Tensor& x) {
  using Math = typename K::Math;
  Tensor out = empty(x.shape(), x.dtype());
  T* o = out.data<T>();
  const T* a = x.data<T>();
  if constexpr (std::is_same_v<T, float> && (K::op == UnaryOp::gelu_erf || K::op == UnaryOp::gelu_tanh)) {
    if (x.is_contiguous()) {
      gelu_f32(a, o, x.numel(), K::op == UnaryOp::gelu_tanh);  // vectorised
      return out;
    }
  }
  for_each<2>(x.shape(), {out.strides(), x.strides()}, [=](int64_t i, int64_t j) { o[i] = Math::f(a[j]); });
  return out;
}

template <class T, class K>
Tensor unary_backward_t(const Tensor& grad, const Tensor& x, const Tensor& y) {
  using Math = typename K::Math;
  Tensor out = empty(x.shape(), x.dtype());
  T* o = out.data<T>();
  const T* g = grad.data<T>();
  const T* xp = x.data<T>();
  if constexpr (std::is_same_v<T, float> && (K::op == UnaryOp::gelu_erf || K::op == UnaryOp::gelu_tanh)) {
    if (x.is_contiguous() && grad.is_contiguous() && grad.shape() == x.shape()) {
      gelu_backward_f32(g, xp, o, x.numel(), K::op == UnaryOp::gelu_tanh);  // vectorised
      return out;
    }
  }
  if constexpr (math::DerivativeFromY<Math>) {
    if (y.defined()) {
      const T* yp = y.data<T>();
      for_each<3>(x.shape(), {out.strides(), grad.strides(), y.strides()},
                  [=](int64_t i, int64_t j, int64_t l) { o[i] = g[j] * Math::df_from_y(yp[l]); });
    } else {
      for_each<3>(x.shape(), {out.strides(), grad.strides(), x.strides()}, [=](int64_t i, int64_t j, int64_t k) {
        o[i] = g[j] * Math::df_from_y(Math::f(xp[k]));
      });
    }
  } else {
    for_each<3>(x.shape(), {out.strides(), grad.strides(), x.strides()},
                [=](int64_t i, int64_t j, int64_t k) { o[i] = g[j] * Math::df(xp[k]); });
  }
  return out;
}

template <class T>
void check_int_divisor(BinaryOp op, const Tensor& b) {
  if constexpr (std::is_integral_v<T>) {
    if (op != BinaryOp::div) return;
    const T* p = b.data<T>();
    std::atomic<bool> zero{false};
    for_each<1>(b.shape(), {b.strides()}, [&](int64_t i) {
      if (p[i] == 0) zero.store(true, std::memory_order_relaxed);
    });
    SF_CHECK(!zero.load(), "div: integer division by zero");
  }
}

template <class T, class K>
Tensor binary_t(const Tensor& a, const Tensor& b) {
  using Math = typename K::Math;
  Shape shape = broadcast_shapes(a.shape(), b.shape());
  Tensor out = empty(shape, a.dtype());
  T* o = out.data<T>();
  const T* x = a.data<T>();
  const T* y = b.data<T>();
  StridedLoop<3> loop(shape, {out.strides(), broadcast_strides(a, shape), broadcast_strides(b, shape)});
  loop.run([&](const std::array<int64_t, 3>& off, int64_t n, const std::array<int64_t, 3>& s) {
    T* po = o + off[0];
    const T* pa = x + off[1];
    const T* pb = y + off[2];
    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = Math::f(pa[i], pb[i]);
    } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {  // row + broadcast scalar
      const T bv = *pb;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = Math::f(pa[i], bv);
    } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {
      const T av = *pa;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = Math::f(av, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i * s[0]] = Math::f(pa[i * s[1]], pb[i * s[2]]);
    }
  });
  return out;
}

template <class T, class K>
Tensor binary_scalar_t(const Tensor& a, T b) {
  using Math = typename K::Math;
  Tensor out = empty(a.shape(), a.dtype());
  T* o = out.data<T>();
  const T* x = a.data<T>();
  for_each<2>(a.shape(), {out.strides(), a.strides()}, [=](int64_t i, int64_t j) { o[i] = Math::f(x[j], b); });
  return out;
}

template <class T>
T cast_scalar(double v) {
  return static_cast<T>(v);
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x) {
  return SF_DISPATCH_ARITH(x.dtype(), "unary", [&] {
    return with_unary(op, [&](auto kernel) -> Tensor {
      using K = decltype(kernel);
      if constexpr (std::is_integral_v<scalar_t> && !unary_op_info(K::op).integers) {
        throw Error(detail::cat(op_name(K::op), ": needs a floating dtype, got ", dtype_name(x.dtype())));
      } else {
        return unary_t<scalar_t, K>(x);
      }
    });
  });
}

Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y) {
  return SF_DISPATCH_FLOAT(x.dtype(), "unary_backward", [&] {
    return with_unary(op, [&](auto kernel) { return unary_backward_t<scalar_t, decltype(kernel)>(grad, x, y); });
  });
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  return SF_DISPATCH_ARITH(a.dtype(), "binary", [&] {
    check_int_divisor<scalar_t>(op, b);
    return with_binary(op, [&](auto kernel) { return binary_t<scalar_t, decltype(kernel)>(a, b); });
  });
}

Tensor binary(BinaryOp op, const Tensor& a, double b) {
  return SF_DISPATCH_ARITH(a.dtype(), "binary", [&] {
    auto s = cast_scalar<scalar_t>(b);
    SF_CHECK(!(std::is_integral_v<scalar_t> && op == BinaryOp::div && s == 0), "div: integer division by zero");
    return with_binary(op, [&](auto kernel) { return binary_scalar_t<scalar_t, decltype(kernel)>(a, s); });
  });
}

Tensor clamp(const Tensor& x, double lo_d, double hi_d) {
  return SF_DISPATCH_ARITH(x.dtype(), "clamp", [&] {
    Tensor out = empty(x.shape(), x.dtype());
    scalar_t* o = out.data<scalar_t>();
    const scalar_t* a = x.data<scalar_t>();
    const scalar_t lo = cast_scalar<scalar_t>(lo_d), hi = cast_scalar<scalar_t>(hi_d);
    for_each<2>(x.shape(), {out.strides(), x.strides()}, [=](int64_t i, int64_t j) {
      scalar_t v = a[j];
      o[i] = v < lo ? lo : v > hi ? hi : v;  // NaN stays NaN
    });
    return out;
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape()), b.shape());
  return SF_DISPATCH_ARITH(a.dtype(), "where", [&] {
    using T = scalar_t;
    return SF_DISPATCH_ARITH(cond.dtype(), "where (condition)", [&] {
      using C = scalar_t;
      Tensor out = empty(shape, a.dtype());
      T* o = out.data<T>();
      const C* c = cond.data<C>();
      const T* x = a.data<T>();
      const T* y = b.data<T>();
      for_each<4>(shape,
                  {out.strides(), broadcast_strides(cond, shape), broadcast_strides(a, shape),
                   broadcast_strides(b, shape)},
                  [=](int64_t i, int64_t k, int64_t j, int64_t l) { o[i] = c[k] != C(0) ? x[j] : y[l]; });
      return out;
    });
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return SF_DISPATCH_ARITH(x.dtype(), "masked_fill", [&] {
    using T = scalar_t;
    const T v = cast_scalar<T>(value);
    return SF_DISPATCH_ARITH(mask.dtype(), "masked_fill (mask)", [&] {
      using C = scalar_t;
      Tensor out = empty(x.shape(), x.dtype());
      T* o = out.data<T>();
      const T* a = x.data<T>();
      const C* m = mask.data<C>();
      for_each<3>(x.shape(), {out.strides(), x.strides(), broadcast_strides(mask, x.shape())},
                  [=](int64_t i, int64_t j, int64_t k) { o[i] = m[k] != C(0) ? v : a[j]; });
      return out;
    });
  });
}

void axpy_(Tensor& y, const Tensor& x, double alpha) {
  SF_DISPATCH_ARITH(y.dtype(), "axpy_", [&] {
    const scalar_t al = cast_scalar<scalar_t>(alpha);
    scalar_t* o = y.data<scalar_t>();
    const scalar_t* a = x.data<scalar_t>();
    for_each<2>(y.shape(), {y.strides(), x.strides()}, [=](int64_t i, int64_t j) { o[i] += al * a[j]; });
  });
}

}  // namespace sf::cpu
