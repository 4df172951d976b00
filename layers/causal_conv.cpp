#include "layers/causal_conv.h"

#include <algorithm>
#include <vector>

#include "autograd/functions.h"
#include "core/cpu/loop.h"
#include "core/parallel.h"

namespace sf {
namespace {

constexpr int64_t kRows = 128;  // (b, t) rows per partial sum of the weight and bias gradients

// x rows are (b, t) with channels contiguous: element (b, t, e) at b·sb + t·st + e.
struct Layout {
  int64_t B, L, E, K, sb, st;
};

template <class T>
void forward_t(const Layout& s, const T* x, const T* wt, const T* bias, T* y) {
  const int64_t E = s.E, K = s.K;
  parallel_for(s.B * s.L, std::max<int64_t>(1, cpu::kElementGrain / (E * K)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / s.L, t = r % s.L;
      T* yr = y + r * E;
      std::copy(bias, bias + E, yr);
      for (int64_t j = std::max<int64_t>(0, K - 1 - t); j < K; ++j) {
        const T *xr = x + b * s.sb + (t - K + 1 + j) * s.st, *w = wt + j * E;
#pragma omp simd
        for (int64_t e = 0; e < E; ++e) yr[e] += w[e] * xr[e];
      }
    }
  });
}

// dx (contiguous), and partial[blk] = (K + 1, E) sums of g·x (per tap) and g over rows [blk·kRows, ...).
template <class T>
void backward_t(const Layout& s, const T* g, const T* x, const T* wt, T* dx, T* partial) {
  const int64_t E = s.E, K = s.K, rows = s.B * s.L, blocks = (rows + kRows - 1) / kRows;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      T* part = partial + blk * (K + 1) * E;
      std::fill(part, part + (K + 1) * E, T(0));
      for (int64_t r = blk * kRows; r < std::min(rows, (blk + 1) * kRows); ++r) {
        const int64_t b = r / s.L, t = r % s.L;
        const T* gr = g + r * E;
        T* dxr = dx + r * E;
        std::fill(dxr, dxr + E, T(0));
        for (int64_t j = 0; j < K; ++j) {
          const int64_t ahead = t + K - 1 - j;  // the output row that reads x[t] through tap j
          if (ahead < s.L) {
            const T *ga = g + (b * s.L + ahead) * E, *w = wt + j * E;
#pragma omp simd
            for (int64_t e = 0; e < E; ++e) dxr[e] += w[e] * ga[e];
          }
          const int64_t back = t - K + 1 + j;  // the input row tap j reads for output t
          if (back >= 0) {
            const T* xr = x + b * s.sb + back * s.st;
            T* pw = part + j * E;
#pragma omp simd
            for (int64_t e = 0; e < E; ++e) pw[e] += gr[e] * xr[e];
          }
        }
        T* pb = part + K * E;
#pragma omp simd
        for (int64_t e = 0; e < E; ++e) pb[e] += gr[e];
      }
    }
  });
}

}  // namespace

Variable causal_conv(const Variable& x, const Variable& weight, const Variable& bias) {
  SF_CHECK(x.dim() == 3 && weight.dim() == 2 && weight.size(0) == x.size(2) && bias.shape() == Shape{x.size(2)},
           "causal_conv: x (B, L, E), weight (E, K), bias (E), got ", shape_str(x.shape()), ", ",
           shape_str(weight.shape()), ", ", shape_str(bias.shape()));
  SF_CHECK(x.data().device().is_cpu() && is_floating(x.dtype()) && weight.dtype() == x.dtype() &&
               bias.dtype() == x.dtype(),
           "causal_conv: needs floating CPU tensors of one dtype");
  // Channels must be contiguous; rows may be strided (a narrowed projection is read in place).
  const Tensor xd = x.data().stride(2) == 1 ? x.data() : x.data().contiguous();
  const Layout s{x.size(0), x.size(1), x.size(2), weight.size(1), xd.stride(0), xd.stride(1)};
  const Tensor wt = weight.data().t().contiguous(), bc = bias.data().contiguous();  // (K, E)
  Tensor y = empty({s.B, s.L, s.E}, x.dtype());
  SF_DISPATCH_FLOAT(x.dtype(), "causal_conv", [&] {
    forward_t<scalar_t>(s, xd.data<scalar_t>(), wt.data<scalar_t>(), bc.data<scalar_t>(), y.data<scalar_t>());
  });
  return record("causal_conv", y, {x, weight, bias}, [s, xd, wt](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    const int64_t blocks = (s.B * s.L + kRows - 1) / kRows;
    Tensor dx = empty({s.B, s.L, s.E}, g.dtype()), partial = empty({blocks, s.K + 1, s.E}, g.dtype());
    SF_DISPATCH_FLOAT(g.dtype(), "causal_conv backward", [&] {
      backward_t<scalar_t>(s, g.data<scalar_t>(), xd.data<scalar_t>(), wt.data<scalar_t>(), dx.data<scalar_t>(),
                           partial.data<scalar_t>());
    });
    const Tensor sums = sum(partial, {0});  // blocks in a fixed order: independent of the threads
    return std::vector<Tensor>{dx, sums.narrow(0, 0, s.K).t().contiguous(), sums.select(0, s.K)};
  });
}

Tensor causal_conv_step(Tensor& window, const Tensor& x_t, const Tensor& weight, const Tensor& bias) {
  const Tensor full = cat({window, x_t.unsqueeze(1)}, 1);  // (B, K, E)
  window = full.narrow(1, 1, weight.size(1) - 1).contiguous();
  return sum(full * weight.t(), {1}) + bias;
}

}  // namespace sf
