// Per-element math shared by the CPU and CUDA backends (__host__ __device__), so that the CPU
// tests cover the functions the GPU kernels run. No Eigen or other host-only headers here.
#pragma once
#include <cmath>
#include <type_traits>

#include "core/binary_ops.h"
#include "core/unary_ops.h"

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
using std::log;
using std::log1p;
using std::pow;
using std::sqrt;
using std::tanh;
using std::sin;
using std::cos;
#endif

template <class T> SF_HD T gelu_erf(T x) { return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440))); }
template <class T> SF_HD T gelu_tanh(T x) {
  const T k = T(0.79788456080286535588);  // sqrt(2/pi)
  return T(0.5) * x * (T(1) + tanh(k * (x + T(0.044715) * x * x * x)));
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

// The ops of SF_UNARY_OPS (core/unary_ops.h): f(x), and the derivative d f / dx either from the input,
// df(x), or from the output, df_from_y(y) with y = f(x), which lets the backward reuse the forward's result.
// T is float or double; the ops the list marks as taking integers also get int32_t and int64_t.
struct Neg {
  template <class T> SF_HD static T f(T x) { return -x; }
  template <class T> SF_HD static T df(T) { return T(-1); }
};
struct Exp {
  template <class T> SF_HD static T f(T x) { return exp(x); }
  template <class T> SF_HD static T df_from_y(T y) { return y; }
};
struct Log {
  template <class T> SF_HD static T f(T x) { return log(x); }
  template <class T> SF_HD static T df(T x) { return T(1) / x; }
};
struct Sqrt {
  template <class T> SF_HD static T f(T x) { return sqrt(x); }
  template <class T> SF_HD static T df_from_y(T y) { return T(0.5) / y; }
};
struct Rsqrt {
  template <class T> SF_HD static T f(T x) { return T(1) / sqrt(x); }
  template <class T> SF_HD static T df_from_y(T y) { return T(-0.5) * y * y * y; }
};
struct Tanh {
  template <class T> SF_HD static T f(T x) { return tanh(x); }
  template <class T> SF_HD static T df_from_y(T y) { return T(1) - y * y; }
};
struct Sin {  // the implicit long filter's activation (Hyena / M2)
  template <class T> SF_HD static T f(T x) { return sin(x); }
  template <class T> SF_HD static T df(T x) { return cos(x); }
};
struct Sigmoid {
  template <class T> SF_HD static T f(T x) { return T(1) / (T(1) + exp(-x)); }
  template <class T> SF_HD static T df_from_y(T y) { return y * (T(1) - y); }
};
struct Relu {
  template <class T> SF_HD static T f(T x) { return x < T(0) ? T(0) : x; }  // keeps NaN
  template <class T> SF_HD static T df(T x) { return x > T(0) ? T(1) : T(0); }
};
struct GeluTanh {
  template <class T> SF_HD static T f(T x) { return gelu_tanh(x); }
  template <class T> SF_HD static T df(T x) { return d_gelu_tanh(x); }
};
struct GeluErf {
  template <class T> SF_HD static T f(T x) { return gelu_erf(x); }
  template <class T> SF_HD static T df(T x) { return d_gelu_erf(x); }
};
struct Silu {
  template <class T> SF_HD static T f(T x) { return x * Sigmoid::f(x); }
  template <class T> SF_HD static T df(T x) {
    T s = Sigmoid::f(x);
    return s * (T(1) + x * (T(1) - s));
  }
};
// The activations' derivatives as ops of their own, so that a gradient computed inside the forward pass
// (Titans' inner update, layers/titans/) is itself differentiable: their df are GELU'' and SiLU''.
struct GeluErfGrad {
  template <class T> SF_HD static T f(T x) { return d_gelu_erf(x); }
  template <class T> SF_HD static T df(T x) {
    const T inv_sqrt2pi = T(0.39894228040143267794);
    return inv_sqrt2pi * exp(T(-0.5) * x * x) * (T(2) - x * x);
  }
};
struct SiluGrad {
  template <class T> SF_HD static T f(T x) { return Silu::df(x); }
  template <class T> SF_HD static T df(T x) {
    T s = Sigmoid::f(x);
    return s * (T(1) - s) * (T(2) + x * (T(1) - T(2) * s));
  }
};
struct Softplus {
  // log(1 + e^x) without overflow: for large x it is x.
  template <class T> SF_HD static T f(T x) { return x > T(20) ? x : log1p(exp(x)); }
  template <class T> SF_HD static T df(T x) { return Sigmoid::f(x); }
};
struct Abs {
  template <class T> SF_HD static T f(T x) { return x < T(0) ? T(-x) : x; }  // keeps NaN (and -0)
  template <class T> SF_HD static T df(T x) { return T((x > T(0)) - (x < T(0))); }
};
struct Sign {
  template <class T> SF_HD static T f(T x) { return T((x > T(0)) - (x < T(0))); }
  template <class T> SF_HD static T df(T) { return T(0); }
};
struct Square {
  template <class T> SF_HD static T f(T x) { return x * x; }
  template <class T> SF_HD static T df(T x) { return T(2) * x; }
};
struct Reciprocal {
  template <class T> SF_HD static T f(T x) { return T(1) / x; }
  template <class T> SF_HD static T df_from_y(T y) { return -y * y; }
};

template <class Math> concept HasForward = requires(double x) { Math::f(x); };
template <class Math> concept DerivativeFromX = requires(double x) { Math::df(x); };
template <class Math> concept DerivativeFromY = requires(double y) { Math::df_from_y(y); };

#define SF_UNARY_CHECK(name, Math, integers, domain)                                                        \
  static_assert(HasForward<Math>, "UnaryOp::" #name ": sf::math::" #Math " has no forward f(x)");            \
  static_assert(DerivativeFromX<Math> != DerivativeFromY<Math>,                                             \
                "UnaryOp::" #name ": sf::math::" #Math " needs one derivative, df(x) or df_from_y(y)");
SF_UNARY_OPS(SF_UNARY_CHECK)
#undef SF_UNARY_CHECK

// a^e for integers, e >= 0 by squaring; a negative e gives what 1 / a^|e| truncates to.
template <class T> SF_HD T int_pow(T base, T e) {
  if (e < 0) return base == 1 ? T(1) : base == -1 ? T(e % 2 ? -1 : 1) : T(0);
  T r = 1;
  while (e) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return r;
}

// The ops of SF_BINARY_OPS (core/binary_ops.h): f(a, b), T float, double, int32_t or int64_t. Their
// derivatives are the autograd functions of autograd/elementwise.cpp.
struct Add {
  template <class T> SF_HD static T f(T a, T b) { return a + b; }
};
struct Sub {
  template <class T> SF_HD static T f(T a, T b) { return a - b; }
};
struct Mul {
  template <class T> SF_HD static T f(T a, T b) { return a * b; }
};
struct Div {
  template <class T> SF_HD static T f(T a, T b) { return a / b; }  // integers truncate (checked for zero first)
};
struct Pow {
  template <class T> SF_HD static T f(T a, T b) {
    if constexpr (std::is_integral_v<T>) return int_pow(a, b);
    else return pow(a, b);
  }
};
struct Maximum {
  template <class T> SF_HD static T f(T a, T b) { return a != a ? a : b != b ? b : a > b ? a : b; }  // NaN wins
};
struct Minimum {
  template <class T> SF_HD static T f(T a, T b) { return a != a ? a : b != b ? b : a < b ? a : b; }
};
struct Eq {
  template <class T> SF_HD static T f(T a, T b) { return T(a == b); }
};
struct Ne {
  template <class T> SF_HD static T f(T a, T b) { return T(a != b); }
};
struct Lt {
  template <class T> SF_HD static T f(T a, T b) { return T(a < b); }
};
struct Le {
  template <class T> SF_HD static T f(T a, T b) { return T(a <= b); }
};
struct Gt {
  template <class T> SF_HD static T f(T a, T b) { return T(a > b); }
};
struct Ge {
  template <class T> SF_HD static T f(T a, T b) { return T(a >= b); }
};

template <class Math> concept HasBinaryForward = requires(double a, double b, int64_t i, int64_t j) {
  Math::f(a, b);
  Math::f(i, j);
};

#define SF_BINARY_CHECK(name, Math, differentiable, domain) \
  static_assert(HasBinaryForward<Math>, "BinaryOp::" #name ": sf::math::" #Math " has no forward f(a, b)");
SF_BINARY_OPS(SF_BINARY_CHECK)
#undef SF_BINARY_CHECK

}  // namespace sf::math
