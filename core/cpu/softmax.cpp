#include "core/cpu/softmax.h"

#include <cmath>
#include <limits>

#include "core/cpu/loop.h"

namespace sf::cpu {
namespace {

constexpr int64_t kChunk = 256;  // columns per task when the dim is not innermost

// Calls f(o, i0, w) for tasks that each own rows (inner == 1: w == 1, i0 == 0) or a column block.
template <class F>
void for_tasks(const DimSplit& s, F&& f) {
  if (s.inner == 1) {
    parallel_for(s.outer, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(s.n, 1)), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) f(o, int64_t{0}, int64_t{1});
    });
    return;
  }
  const int64_t chunks = (s.inner + kChunk - 1) / kChunk;
  parallel_for(s.outer * chunks, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(s.n * kChunk, 1)),
               [&](int64_t t0, int64_t t1) {
                 for (int64_t t = t0; t < t1; ++t) {
                   int64_t i0 = (t % chunks) * kChunk;
                   f(t / chunks, i0, std::min(kChunk, s.inner - i0));
                 }
               });
}

template <class T>
void softmax_rows(const T* x, T* y, int64_t n, bool log) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < n; ++r) m = x[r] > m || x[r] != x[r] ? x[r] : m;
  T s = 0;
  if (log) {
#pragma omp simd reduction(+ : s)
    for (int64_t r = 0; r < n; ++r) s += std::exp(x[r] - m);
    const T ls = std::log(s);  // (x - m) - log(s): exact where x is near the max, unlike x - (m + log(s))
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] = (x[r] - m) - ls;
  } else {
#pragma omp simd reduction(+ : s)
    for (int64_t r = 0; r < n; ++r) {
      y[r] = std::exp(x[r] - m);
      s += y[r];
    }
    const T inv = T(1) / s;
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) y[r] *= inv;
  }
}

// Columns [i0, i0 + w) of slab o; stride `inner` between consecutive elements of the softmax dim.
template <class T>
void softmax_cols(const T* x, T* y, int64_t n, int64_t inner, int64_t w, bool log) {
  T m[kChunk], s[kChunk];
  for (int64_t c = 0; c < w; ++c) m[c] = -std::numeric_limits<T>::infinity(), s[c] = 0;
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < w; ++c) {
      T v = x[r * inner + c];
      m[c] = v > m[c] || v != v ? v : m[c];
    }
  for (int64_t r = 0; r < n; ++r)
#pragma omp simd
    for (int64_t c = 0; c < w; ++c) {
      T e = std::exp(x[r * inner + c] - m[c]);
      if (!log) y[r * inner + c] = e;
      s[c] += e;
    }
  if (log) {
    for (int64_t c = 0; c < w; ++c) s[c] = std::log(s[c]);
    for (int64_t r = 0; r < n; ++r)
#pragma omp simd
      for (int64_t c = 0; c < w; ++c) y[r * inner + c] = (x[r * inner + c] - m[c]) - s[c];
  } else {
    for (int64_t c = 0; c < w; ++c) s[c] = T(1) / s[c];
    for (int64_t r = 0; r < n; ++r)
#pragma omp simd
      for (int64_t c = 0; c < w; ++c) y[r * inner + c] *= s[c];
  }
}

// dx = y * (g - sum(g * y))  or, for log_softmax, dx = g - exp(y) * sum(g).
template <class T>
void backward_block(const T* g, const T* y, T* dx, int64_t n, int64_t inner, int64_t w, bool log) {
  T acc[kChunk];
  for (int64_t c = 0; c < w; ++c) acc[c] = 0;
  for (int64_t r = 0; r < n; ++r)
#pragma omp simd
    for (int64_t c = 0; c < w; ++c) acc[c] += log ? g[r * inner + c] : g[r * inner + c] * y[r * inner + c];
  for (int64_t r = 0; r < n; ++r)
#pragma omp simd
    for (int64_t c = 0; c < w; ++c) {
      const int64_t k = r * inner + c;
      dx[k] = log ? g[k] - std::exp(y[k]) * acc[c] : y[k] * (g[k] - acc[c]);
    }
}

}  // namespace

Tensor softmax(const Tensor& x_in, int64_t dim, bool log) {
  Tensor x = x_in.contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  DimSplit s = split_at(x.shape(), dim);
  if (x.numel() == 0) return out;
  SF_DISPATCH_FLOAT(x.dtype(), log ? "log_softmax" : "softmax", [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* yp = out.data<scalar_t>();
    for_tasks(s, [&](int64_t o, int64_t i0, int64_t w) {
      const int64_t base = o * s.n * s.inner + i0;
      if (s.inner == 1) softmax_rows(xp + base, yp + base, s.n, log);
      else softmax_cols(xp + base, yp + base, s.n, s.inner, w, log);
    });
  });
  return out;
}

Tensor softmax_backward(const Tensor& grad_in, const Tensor& y_in, int64_t dim, bool log) {
  Tensor g = grad_in.contiguous(), y = y_in.contiguous();
  Tensor dx = empty(y.shape(), y.dtype());
  DimSplit s = split_at(y.shape(), dim);
  if (y.numel() == 0) return dx;
  SF_DISPATCH_FLOAT(y.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&] {
    const scalar_t* gp = g.data<scalar_t>();
    const scalar_t* yp = y.data<scalar_t>();
    scalar_t* dp = dx.data<scalar_t>();
    for_tasks(s, [&](int64_t o, int64_t i0, int64_t w) {
      const int64_t base = o * s.n * s.inner + i0;
      backward_block(gp + base, yp + base, dp + base, s.n, s.inner, w, log);
    });
  });
  return dx;
}

}  // namespace sf::cpu
