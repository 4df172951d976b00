#include "layers/rnn/linear_scan.h"

#include <vector>

#include "core/parallel.h"

namespace sf {

namespace {

// One unit-vector of width d per state component: K = 1 (diagonal) or 2 (2×2 blocks).
template <class T, int K>
struct Rows {
  int64_t d;
  // v ← A v for the transition row `a` (K*K*d values) and the state row `v` (K*d values).
  void apply(const T* a, T* v) const {
    if constexpr (K == 1) {
      for (int64_t j = 0; j < d; ++j) v[j] *= a[j];
    } else {
      for (int64_t j = 0; j < d; ++j) {
        T x0 = v[j], x1 = v[d + j];
        v[j] = a[j] * x0 + a[d + j] * x1;
        v[d + j] = a[2 * d + j] * x0 + a[3 * d + j] * x1;
      }
    }
  }
  // x_l = A_l x_{l-1} + b_l in place of b over steps [begin, end), starting from x_{begin-1} = prev
  // (null = zero).
  void solve(const T* A, T* x, int64_t begin, int64_t end, const T* prev) const {
    for (int64_t l = begin; l < end; ++l) {
      const T* src = l > begin ? x + (l - 1) * K * d : prev;
      if (!src) continue;
      const T* a = A + l * K * K * d;
      T* out = x + l * K * d;
      if constexpr (K == 1) {
        for (int64_t j = 0; j < d; ++j) out[j] += a[j] * src[j];
      } else {
        for (int64_t j = 0; j < d; ++j) {
          T x0 = src[j], x1 = src[d + j];
          out[j] += a[j] * x0 + a[d + j] * x1;
          out[d + j] += a[2 * d + j] * x0 + a[3 * d + j] * x1;
        }
      }
    }
  }
  // M ← A M for 2×2 (or 1×1) blocks, M and a each K*K*d values.
  void compose(const T* a, T* m) const {
    if constexpr (K == 1) {
      for (int64_t j = 0; j < d; ++j) m[j] *= a[j];
    } else {
      for (int64_t j = 0; j < d; ++j) {
        T m00 = m[j], m01 = m[d + j], m10 = m[2 * d + j], m11 = m[3 * d + j];
        m[j] = a[j] * m00 + a[d + j] * m10;
        m[d + j] = a[j] * m01 + a[d + j] * m11;
        m[2 * d + j] = a[2 * d + j] * m00 + a[3 * d + j] * m10;
        m[3 * d + j] = a[2 * d + j] * m01 + a[3 * d + j] * m11;
      }
    }
  }
};

// Parallel tasks get at least ~16k state elements of work (small scans run serially).
inline int64_t grain(int64_t elems_per_item) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, elems_per_item)); }

template <class T, int K>
void scan_chunked(const T* A, T* x, int64_t B, int64_t L, int64_t d, int64_t chunk) {
  const Rows<T, K> rows{d};
  const int64_t n_chunks = (L + chunk - 1) / chunk, sa = K * K * d, sx = K * d;
  // Per (batch, chunk): the product of the chunk's transitions, then the state entering the chunk.
  std::vector<T> prod(static_cast<size_t>(B * n_chunks * sa)), carry(static_cast<size_t>(B * n_chunks * sx));
  parallel_for(B * n_chunks, grain(chunk * sx), [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / n_chunks, c = task % n_chunks;
      const int64_t l0 = c * chunk, l1 = std::min(L, l0 + chunk);
      const T* Ab = A + b * L * sa;
      rows.solve(Ab, x + b * L * sx, l0, l1, nullptr);
      T* m = prod.data() + task * sa;
      for (int64_t i = 0; i < sa; ++i) m[i] = (K == 1 || (i / d == 0 || i / d == 3)) ? T(1) : T(0);
      for (int64_t l = l0; l < l1; ++l) rows.compose(Ab + l * sa, m);
    }
  });
  parallel_for(B, grain(n_chunks * sx), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      T* cb = carry.data() + b * n_chunks * sx;
      for (int64_t i = 0; i < sx; ++i) cb[i] = T(0);
      for (int64_t c = 1; c < n_chunks; ++c) {
        T* cur = cb + c * sx;
        const T* last = x + (b * L + c * chunk - 1) * sx;  // local solution at the previous chunk's end
        for (int64_t i = 0; i < sx; ++i) cur[i] = cb[(c - 1) * sx + i];
        const T* m = prod.data() + (b * n_chunks + c - 1) * sa;
        rows.apply(m, cur);
        for (int64_t i = 0; i < sx; ++i) cur[i] += last[i];
      }
    }
  });
  parallel_for(B * n_chunks, grain(chunk * sx), [&](int64_t begin, int64_t end) {
    std::vector<T> v(static_cast<size_t>(sx));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / n_chunks, c = task % n_chunks;
      if (c == 0) continue;
      const int64_t l0 = c * chunk, l1 = std::min(L, l0 + chunk);
      std::copy_n(carry.data() + task * sx, sx, v.data());
      for (int64_t l = l0; l < l1; ++l) {
        rows.apply(A + (b * L + l) * sa, v.data());
        T* out = x + (b * L + l) * sx;
        for (int64_t i = 0; i < sx; ++i) out[i] += v[i];
      }
    }
  });
}

template <class T, int K>
void scan_sequential(const T* A, T* x, int64_t B, int64_t L, int64_t d) {
  const Rows<T, K> rows{d};
  for (int64_t b = 0; b < B; ++b) rows.solve(A + b * L * K * K * d, x + b * L * K * d, 0, L, nullptr);
}

struct ScanShape {
  int64_t B, L, d;
  bool block;
};

ScanShape check_scan(const Tensor& A, const Tensor& b) {
  SF_CHECK(A.dtype() == b.dtype() && (A.dtype() == DType::f32 || A.dtype() == DType::f64),
           "linear_scan: A and b must be both float32 or both float64");
  SF_CHECK(A.is_contiguous() && b.is_contiguous(), "linear_scan: A and b must be contiguous");
  const bool block = A.dim() == 4;
  SF_CHECK((A.dim() == 3 && b.dim() == 3 && A.shape() == b.shape()) ||
               (block && b.dim() == 4 && A.size(2) == 4 && b.size(2) == 2 && A.size(0) == b.size(0) &&
                A.size(1) == b.size(1) && A.size(3) == b.size(3)),
           "linear_scan: expected A, b (B, L, d) or A (B, L, 4, d), b (B, L, 2, d); got ", shape_str(A.shape()), " and ",
           shape_str(b.shape()));
  return {A.size(0), A.size(1), A.size(A.dim() - 1), block};
}

template <class F>
void dispatch(const Tensor& A, Tensor& b, F&& f) {
  if (A.dtype() == DType::f32)
    f(A.data<float>(), b.data<float>());
  else
    f(A.data<double>(), b.data<double>());
}

}  // namespace

void linear_scan_(const Tensor& A, Tensor& b, int64_t chunk) {
  const ScanShape s = check_scan(A, b);
  SF_CHECK(chunk >= 1, "linear_scan: chunk must be >= 1");
  dispatch(A, b, [&](const auto* a, auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(a)>>;
    if (s.block)
      scan_chunked<T, 2>(a, x, s.B, s.L, s.d, chunk);
    else
      scan_chunked<T, 1>(a, x, s.B, s.L, s.d, chunk);
  });
}

void linear_scan_sequential_(const Tensor& A, Tensor& b) {
  const ScanShape s = check_scan(A, b);
  dispatch(A, b, [&](const auto* a, auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(a)>>;
    if (s.block)
      scan_sequential<T, 2>(a, x, s.B, s.L, s.d);
    else
      scan_sequential<T, 1>(a, x, s.B, s.L, s.d);
  });
}

}  // namespace sf
