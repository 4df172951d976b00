// Compiled with -ffp-contract=off (core/CMakeLists.txt): the Gaussian float64 math must not be
// fused into FMAs, or its bits would differ from the CUDA kernels'.
#include "core/rng.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "core/parallel.h"

namespace sf {
namespace {

constexpr int64_t kCountersPerChunk = 1024;  // 4096 elements per parallel work item

// Writes elements [e0, e0+n) to out, where gen(q, v) computes the 4 values of counter q.
// Each value depends only on its element index, so the chunking cannot change any result.
template <class T, class Gen>
void fill(T* out, int64_t n, int64_t e0, const Gen& gen) {
  SF_CHECK(n >= 0, "rng fill: negative element count ", n);
  SF_CHECK(e0 >= 0, "rng fill: negative first element index ", e0);
  SF_CHECK(n <= INT64_MAX - e0, "rng fill: element range [", e0, ", ", e0, " + ", n, ") overflows int64");
  if (n == 0) return;
  const int64_t e1 = e0 + n;
  const int64_t q0 = e0 / 4, q1 = (e1 - 1) / 4 + 1;  // counters touched by [e0, e1)
  parallel_for(q1 - q0, kCountersPerChunk, [&](int64_t begin, int64_t end) {
    for (int64_t q = q0 + begin; q < q0 + end; ++q) {
      T v[4];
      gen(uint64_t(q), v);
      const int64_t first = 4 * q;
      if (first >= e0 && first + 4 <= e1) {
        std::copy(v, v + 4, out + (first - e0));
      } else {  // a counter cut by either end of the range
        for (int64_t e = std::max(first, e0); e < std::min(first + 4, e1); ++e) out[e - e0] = v[e - first];
      }
    }
  });
}

template <class T>
void uniform_impl(T* out, int64_t n, RngStream s, int64_t e0, T lo, T hi) {
  SF_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi, "rng_uniform: need finite lo <= hi, got (", lo,
           ", ", hi, ")");
  const T mid = T(0.5) * (lo + hi), half = T(0.5) * (hi - lo);
  fill(out, n, e0, [&](uint64_t q, T* v) {
    const PhiloxWords w = rng_block(s, q);
    for (int j = 0; j < 4; ++j) v[j] = mid + half * T(usym(w.w[j]));
  });
}

template <class T>
void normal_impl(T* out, int64_t n, RngStream s, int64_t e0, double mean, double std) {
  SF_CHECK(std::isfinite(mean) && std::isfinite(std) && std >= 0, "rng_normal: need finite mean and std >= 0, got (",
           mean, ", ", std, ")");
  fill(out, n, e0, [&](uint64_t q, T* v) {
    const PhiloxWords w = rng_block(s, q);
    double z[4];
    normal_pair(w.w[0], w.w[1], &z[0], &z[1]);
    normal_pair(w.w[2], w.w[3], &z[2], &z[3]);
    for (int j = 0; j < 4; ++j) v[j] = T(mean + std * z[j]);
  });
}

template <class T>
void bernoulli_impl(T* out, int64_t n, RngStream s, double p, int64_t e0) {
  SF_CHECK(p >= 0 && p <= 1, "rng_bernoulli: probability must be in [0, 1], got ", p);
  fill(out, n, e0, [&](uint64_t q, T* v) {
    const PhiloxWords w = rng_block(s, q);
    for (int j = 0; j < 4; ++j) v[j] = double(u01(w.w[j])) < p ? T(1) : T(0);
  });
}

}  // namespace

void rng_uniform(float* out, int64_t n, RngStream s, int64_t e0, float lo, float hi) {
  uniform_impl(out, n, s, e0, lo, hi);
}
void rng_uniform(double* out, int64_t n, RngStream s, int64_t e0, double lo, double hi) {
  uniform_impl(out, n, s, e0, lo, hi);
}
void rng_normal(float* out, int64_t n, RngStream s, int64_t e0, double mean, double std) {
  normal_impl(out, n, s, e0, mean, std);
}
void rng_normal(double* out, int64_t n, RngStream s, int64_t e0, double mean, double std) {
  normal_impl(out, n, s, e0, mean, std);
}
void rng_bernoulli(float* out, int64_t n, RngStream s, double p, int64_t e0) { bernoulli_impl(out, n, s, p, e0); }
void rng_bernoulli(double* out, int64_t n, RngStream s, double p, int64_t e0) { bernoulli_impl(out, n, s, p, e0); }

}  // namespace sf
