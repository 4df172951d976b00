#include "layers/ssm/lane_fft.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

#include "core/error.h"
#include "core/ops.h"

namespace sf {

template <class T>
struct LaneFft<T>::Plan {
  std::vector<int32_t> rev;         // bit reversal on [0, N)
  std::vector<T> tw_re, tw_im;      // [h + j] = e^{−2πi j/(2h)} for h = 1, 2, 4, ..., N/2 and j < h
  std::vector<T> post_re, post_im;  // [k] = e^{−2πi k/n}, k = 0 .. N

  explicit Plan(int64_t N) : rev(N), tw_re(N), tw_im(N), post_re(N + 1), post_im(N + 1) {
    int bits = 0;
    while ((int64_t{1} << bits) < N) ++bits;
    for (int64_t i = 0; i < N; ++i) {
      int64_t r = 0;
      for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = static_cast<int32_t>(r);
    }
    for (int64_t h = 1; h < N; h *= 2)
      for (int64_t j = 0; j < h; ++j) {
        const double a = -std::numbers::pi * static_cast<double>(j) / static_cast<double>(h);
        tw_re[h + j] = static_cast<T>(std::cos(a));
        tw_im[h + j] = static_cast<T>(std::sin(a));
      }
    for (int64_t k = 0; k <= N; ++k) {
      const double a = -std::numbers::pi * static_cast<double>(k) / static_cast<double>(N);
      post_re[k] = static_cast<T>(std::cos(a));
      post_im[k] = static_cast<T>(std::sin(a));
    }
  }

  static std::shared_ptr<const Plan> get(int64_t N) {
    static std::mutex mu;
    static std::map<int64_t, std::shared_ptr<const Plan>> plans;
    std::lock_guard<std::mutex> lock(mu);
    auto& p = plans[N];
    if (!p) p = std::make_shared<const Plan>(N);
    return p;
  }
};

template <class T>
LaneFft<T>::LaneFft(int64_t n) : half_(n / 2) {
  SF_CHECK(n >= 2 && (n & (n - 1)) == 0, "LaneFft: the length must be a power of two >= 2, got ", n);
  plan_ = Plan::get(half_);
  buf_ = empty({half_ * 2 * W}, dtype_of<T>());
}

namespace {

// One complex point of W lanes: W real parts, then W imaginary parts.
template <class T, int64_t W>
struct Lanes {
  // Samples 2m, 2m + 1 of x (zero past len) as the real and imaginary parts of point m.
  static void load(const T* x, int64_t m, int64_t len, int64_t st, int64_t sl, int64_t lanes, T* p) {
    for (int64_t part = 0; part < 2; ++part) {
      const int64_t t = 2 * m + part;
      T* o = p + part * W;
      if (t >= len) {  // zero padding
        std::fill(o, o + W, T(0));
      } else if (sl == 1 && lanes == W) {
        const T* a = x + t * st;
#pragma omp simd
        for (int64_t l = 0; l < W; ++l) o[l] = a[l];
      } else {
        for (int64_t l = 0; l < W; ++l) o[l] = l < lanes ? x[t * st + l * sl] : T(0);
      }
    }
  }
  static void store(const T* p, T scale, int64_t m, int64_t len, T* out, int64_t st, int64_t sl, int64_t lanes,
                    bool accumulate) {
    for (int64_t part = 0; part < 2 && 2 * m + part < len; ++part) {
      const T* v = p + part * W;
      T* o = out + (2 * m + part) * st;
      if (sl == 1 && lanes == W) {
        if (accumulate) {
#pragma omp simd
          for (int64_t l = 0; l < W; ++l) o[l] += scale * v[l];
        } else {
#pragma omp simd
          for (int64_t l = 0; l < W; ++l) o[l] = scale * v[l];
        }
      } else {
        for (int64_t l = 0; l < lanes; ++l) o[l * sl] = (accumulate ? o[l * sl] : T(0)) + scale * v[l];
      }
    }
  }
  // (a, b) <- (a + b, (a − b)·w): a decimation-in-frequency butterfly.
  static void dif(const T* a, const T* b, T* oa, T* ob, T wr, T wi) {
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T ar = a[l], ai = a[W + l], br = b[l], bi = b[W + l];
      const T dr = ar - br, di = ai - bi;
      oa[l] = ar + br;
      oa[W + l] = ai + bi;
      ob[l] = dr * wr - di * wi;
      ob[W + l] = dr * wi + di * wr;
    }
  }
  // Two decimation-in-frequency stages at once (spans 2q, then q) on x0..x3 = z[j], z[j + q], z[j + 2q],
  // z[j + 3q]: with w = e^{−2πi j/(4q)} (w1) and w² (w2), the radix-2 results land where those two stages
  // put them (radix 2², half the passes over memory).
  static void dif4(T* x0, T* x1, T* x2, T* x3, T w1r, T w1i, T w2r, T w2i) {
    const T w3r = w1r * w2r - w1i * w2i, w3i = w1r * w2i + w1i * w2r;
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T t0r = x0[l] + x2[l], t0i = x0[W + l] + x2[W + l], t1r = x0[l] - x2[l], t1i = x0[W + l] - x2[W + l];
      const T t2r = x1[l] + x3[l], t2i = x1[W + l] + x3[W + l];
      const T t3r = x1[W + l] - x3[W + l], t3i = x3[l] - x1[l];  // (x1 − x3)·(−i)
      const T y2r = t0r - t2r, y2i = t0i - t2i, y1r = t1r + t3r, y1i = t1i + t3i, y3r = t1r - t3r, y3i = t1i - t3i;
      x0[l] = t0r + t2r;
      x0[W + l] = t0i + t2i;
      x1[l] = y2r * w2r - y2i * w2i;
      x1[W + l] = y2r * w2i + y2i * w2r;
      x2[l] = y1r * w1r - y1i * w1i;
      x2[W + l] = y1r * w1i + y1i * w1r;
      x3[l] = y3r * w3r - y3i * w3i;
      x3[W + l] = y3r * w3i + y3i * w3r;
    }
  }
  // Two decimation-in-time stages at once (spans q, then 2q), v = conj twiddle of span q (v2) and of span
  // 2q (v1): the inverse's counterpart of dif4.
  static void dit4(T* x0, T* x1, T* x2, T* x3, T v1r, T v1i, T v2r, T v2i) {
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T p1r = x1[l] * v2r - x1[W + l] * v2i, p1i = x1[l] * v2i + x1[W + l] * v2r;
      const T p3r = x3[l] * v2r - x3[W + l] * v2i, p3i = x3[l] * v2i + x3[W + l] * v2r;
      const T ar = x0[l] + p1r, ai = x0[W + l] + p1i, br = x0[l] - p1r, bi = x0[W + l] - p1i;
      const T er = x2[l] + p3r, ei = x2[W + l] + p3i, fr = x2[l] - p3r, fi = x2[W + l] - p3i;
      const T cr = er * v1r - ei * v1i, ci = er * v1i + ei * v1r, dr = fr * v1r - fi * v1i, di = fr * v1i + fi * v1r;
      x0[l] = ar + cr;  // c_j
      x0[W + l] = ai + ci;
      x2[l] = ar - cr;  // c_{j+2q}
      x2[W + l] = ai - ci;
      x1[l] = br - di;  // c_{j+q} = b + i·d
      x1[W + l] = bi + dr;
      x3[l] = br + di;  // c_{j+3q} = b − i·d
      x3[W + l] = bi - dr;
    }
  }
  // (a, b) <- (a + b·w, a − b·w): a decimation-in-time butterfly.
  static void dit(const T* a, const T* b, T* oa, T* ob, T wr, T wi) {
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T ar = a[l], ai = a[W + l], br = b[l], bi = b[W + l];
      const T cr = br * wr - bi * wi, ci = br * wi + bi * wr;
      oa[l] = ar + cr;
      oa[W + l] = ai + ci;
      ob[l] = ar - cr;
      ob[W + l] = ai - ci;
    }
  }
};

}  // namespace

template <class T>
void LaneFft<T>::forward(const T* x, int64_t len, int64_t st, int64_t sl, int64_t lanes, T* spec) {
  using P = Lanes<T, W>;
  const Plan& p = *plan_;
  const int64_t N = half_, S = 2 * W;
  T* z = buf_.data<T>();
  if (N == 1) {
    P::load(x, 0, len, st, sl, lanes, z);
  } else {  // the first stage reads the signal
    alignas(64) T a[2 * W], b[2 * W];
    const int64_t h = N / 2;
    for (int64_t j = 0; j < h; ++j) {
      P::load(x, j, len, st, sl, lanes, a);
      P::load(x, j + h, len, st, sl, lanes, b);
      P::dif(a, b, z + j * S, z + (j + h) * S, p.tw_re[h + j], p.tw_im[h + j]);
    }
  }
  int64_t h = N / 4;
  for (; h >= 2; h /= 4) {  // stages h and h/2 together
    const int64_t q = h / 2;
    for (int64_t s = 0; s < N; s += 4 * q)
      for (int64_t j = 0; j < q; ++j) {
        T* a = z + (s + j) * S;
        P::dif4(a, a + q * S, a + 2 * q * S, a + 3 * q * S, p.tw_re[h + j], p.tw_im[h + j], p.tw_re[q + j],
                p.tw_im[q + j]);
      }
  }
  if (h == 1)
    for (int64_t s = 0; s < N; s += 2) P::dif(z + s * S, z + (s + 1) * S, z + s * S, z + (s + 1) * S, T(1), T(0));
  // z now holds Z[k] at rev[k]. X[k] = E[k] + e^{−2πik/n} O[k] with E = (Z[k] + conj Z[N−k])/2 (even
  // samples) and O = −i (Z[k] − conj Z[N−k])/2 (odd samples).
  for (int64_t k = 0; k <= N; ++k) {
    const T* zk = z + p.rev[k % N] * S;
    const T* zc = z + p.rev[(N - k) % N] * S;
    T* o = spec + k * S;
    const T wr = p.post_re[k], wi = p.post_im[k];
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T er = T(0.5) * (zk[l] + zc[l]), ei = T(0.5) * (zk[W + l] - zc[W + l]);
      const T orr = T(0.5) * (zk[W + l] + zc[W + l]), oi = T(0.5) * (zc[l] - zk[l]);
      o[l] = er + wr * orr - wi * oi;
      o[W + l] = ei + wr * oi + wi * orr;
    }
  }
}

template <class T>
void LaneFft<T>::inverse(const T* spec, T* out, int64_t len, int64_t st, int64_t sl, int64_t lanes, bool accumulate) {
  using P = Lanes<T, W>;
  const Plan& p = *plan_;
  const int64_t N = half_, S = 2 * W;
  T* z = buf_.data<T>();
  // Z[k] = E[k] + i O[k] with E = (X[k] + conj X[N−k])/2 and O = e^{2πik/n} (X[k] − conj X[N−k])/2, stored
  // at rev[k] for the decimation in time.
  for (int64_t k = 0; k < N; ++k) {
    const T* xk = spec + k * S;
    const T* xc = spec + (N - k) * S;
    T* o = z + p.rev[k] * S;
    const T wr = p.post_re[k], wi = p.post_im[k];
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T er = T(0.5) * (xk[l] + xc[l]), ei = T(0.5) * (xk[W + l] - xc[W + l]);
      const T dr = xk[l] - xc[l], di = xk[W + l] + xc[W + l];
      const T orr = T(0.5) * (dr * wr + di * wi), oi = T(0.5) * (di * wr - dr * wi);
      o[l] = er - oi;
      o[W + l] = ei + orr;
    }
  }
  int64_t h = 1;
  for (; 4 * h <= N / 2; h *= 4)  // stages h and 2h together (the last, N/2, writes the signal below)
    for (int64_t s = 0; s < N; s += 4 * h)
      for (int64_t j = 0; j < h; ++j) {
        T* a = z + (s + j) * S;
        P::dit4(a, a + h * S, a + 2 * h * S, a + 3 * h * S, p.tw_re[2 * h + j], -p.tw_im[2 * h + j], p.tw_re[h + j],
                -p.tw_im[h + j]);
      }
  if (h < N / 2)
    for (int64_t s = 0; s < N; s += 2 * h)
      for (int64_t j = 0; j < h; ++j) {
        T* a = z + (s + j) * S;
        P::dit(a, a + h * S, a, a + h * S, p.tw_re[h + j], -p.tw_im[h + j]);
      }
  const T scale = T(1) / static_cast<T>(N);
  const int64_t points = (len + 1) / 2;  // the points that hold samples < len
  if (N == 1) {
    P::store(z, scale, 0, len, out, st, sl, lanes, accumulate);
    return;
  }
  alignas(64) T a[2 * W], b[2 * W];  // the last stage writes the signal
  const int64_t half = N / 2;
  for (int64_t j = 0; j < half && j < points; ++j) {
    P::dit(z + j * S, z + (j + half) * S, a, b, p.tw_re[half + j], -p.tw_im[half + j]);
    P::store(a, scale, j, len, out, st, sl, lanes, accumulate);
    if (j + half < points) P::store(b, scale, j + half, len, out, st, sl, lanes, accumulate);
  }
}

template <class T>
void LaneFft<T>::multiply(const T* a, const T* b, T* out, bool conj_a, bool accumulate) const {
  const int64_t n = bins(), S = 2 * W;
  const T s = conj_a ? T(-1) : T(1);
  for (int64_t k = 0; k < n; ++k) {
    const T *pa = a + k * S, *pb = b + k * S;
    T* o = out + k * S;
#pragma omp simd
    for (int64_t l = 0; l < W; ++l) {
      const T ar = pa[l], ai = s * pa[W + l], br = pb[l], bi = pb[W + l];
      const T re = ar * br - ai * bi, im = ar * bi + ai * br;
      o[l] = accumulate ? o[l] + re : re;
      o[W + l] = accumulate ? o[W + l] + im : im;
    }
  }
}

template class LaneFft<float>;
template class LaneFft<double>;

}  // namespace sf
