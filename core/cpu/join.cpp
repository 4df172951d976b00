#include "core/cpu/join.h"

#include <cstring>

#include "core/cpu/loop.h"

namespace sf::cpu {
namespace {

// Running sums along the middle dim of one (n, inner) slab.
template <class T>
void cumsum_slab(const T* a, T* y, int64_t n, int64_t inner) {
  if (inner == 1) {
    T acc = 0;
    for (int64_t r = 0; r < n; ++r) y[r] = acc += a[r];
    return;
  }
  std::memcpy(y, a, inner * sizeof(T));
  for (int64_t r = 1; r < n; ++r) {
    const T* prev = y + (r - 1) * inner;
#pragma omp simd
    for (int64_t i = 0; i < inner; ++i) y[r * inner + i] = prev[i] + a[r * inner + i];
  }
}

}  // namespace

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  Shape shape = xs[0].shape();
  shape[dim] = 0;
  for (const Tensor& x : xs) shape[dim] += x.size(dim);
  Tensor out = empty(shape, xs[0].dtype());
  const DimSplit s = split_at(shape, dim);
  const size_t esz = dtype_size(out.dtype());
  char* dst = static_cast<char*>(out.raw_data());
  int64_t off = 0;
  for (const Tensor& x : xs) {
    const int64_t len = x.size(dim);
    if (len > 0 && s.outer > 0 && s.inner > 0) {
      if (x.is_contiguous()) {  // one block per outer index
        const char* src = static_cast<const char*>(x.raw_data());
        const int64_t block = len * s.inner;
        parallel_for(s.outer, std::max<int64_t>(1, kElementGrain / block), [&](int64_t o0, int64_t o1) {
          for (int64_t o = o0; o < o1; ++o)
            std::memcpy(dst + (o * s.n + off) * s.inner * esz, src + o * block * esz, block * esz);
        });
      } else {
        Tensor part = out.narrow(dim, off, len);
        part.copy_(x);
      }
    }
    off += len;
  }
  return out;
}

Tensor cumsum(const Tensor& x_in, int64_t dim) {
  Tensor x = x_in.contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  const DimSplit s = split_at(x.shape(), dim);
  if (x.numel() == 0) return out;
  SF_DISPATCH_ARITH(x.dtype(), "cumsum", [&] {
    const scalar_t* xp = x.data<scalar_t>();
    scalar_t* yp = out.data<scalar_t>();
    parallel_for(s.outer, std::max<int64_t>(1, kElementGrain / (s.n * s.inner)), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o)
        cumsum_slab(xp + o * s.n * s.inner, yp + o * s.n * s.inner, s.n, s.inner);
    });
  });
  return out;
}

Tensor flip(const Tensor& x_in, int64_t dim) {
  Tensor x = x_in.contiguous();
  Tensor out = empty(x.shape(), x.dtype());
  const DimSplit s = split_at(x.shape(), dim);
  if (x.numel() == 0) return out;
  const size_t row = s.inner * dtype_size(x.dtype());
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  parallel_for(s.outer * s.n, std::max<int64_t>(1, kElementGrain / s.inner), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / s.n, r = t % s.n;
      std::memcpy(dst + (o * s.n + (s.n - 1 - r)) * row, src + t * row, row);
    }
  });
  return out;
}

}  // namespace sf::cpu
