#include "core/cpu/norm.h"

#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <cmath>

#include "core/cpu/loop.h"
#include "core/error.h"
#include "core/ops.h"
#include "core/parallel.h"

namespace sf::cpu {
namespace {

template <class S>
using Row = Eigen::Map<Eigen::Array<S, 1, Eigen::Dynamic>>;
template <class S>
using CRow = Eigen::Map<const Eigen::Array<S, 1, Eigen::Dynamic>>;

template <class S>
void forward_t(const Tensor& x, const Tensor& w, const Tensor& b, S eps, bool centre, NormForward& r) {
  const int64_t D = x.size(-1), N = x.numel() / D;
  const S *xp = x.data<S>(), *wp = w.data<S>(), *bp = b.defined() ? b.data<S>() : nullptr;
  S *yp = r.y.data<S>(), *mp = centre ? r.mean.data<S>() : nullptr, *rp = r.rstd.data<S>();
  CRow<S> wr(wp, D);
  parallel_for(N, std::max<int64_t>(1, kElementGrain / D), [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      CRow<S> xr(xp + n * D, D);
      Row<S> yr(yp + n * D, D);
      const S mu = centre ? xr.sum() / S(D) : S(0);
      const S rstd = S(1) / std::sqrt((xr - mu).square().sum() / S(D) + eps);
      if (bp) yr = (xr - mu) * (rstd * wr) + CRow<S>(bp, D);
      else yr = (xr - mu) * (rstd * wr);
      if (mp) mp[n] = mu;
      rp[n] = rstd;
    }
  });
}

template <class S>
void backward_t(const Tensor& dy, const Tensor& x, const Tensor& w, const NormForward& f, bool centre, NormGrads& g) {
  const int64_t D = x.size(-1), N = x.numel() / D, blocks = (N + kNormRows - 1) / kNormRows;
  const S *dyp = dy.data<S>(), *xp = x.data<S>(), *wp = w.data<S>();
  const S *mp = centre ? f.mean.data<S>() : nullptr, *rp = f.rstd.data<S>();
  S* dxp = g.dx.data<S>();
  Tensor part = zeros({blocks, 2, D}, x.dtype());  // per block: Σ dy·x̂, Σ dy
  S* pp = part.data<S>();
  CRow<S> wr(wp, D);
  parallel_for(blocks, std::max<int64_t>(1, kElementGrain / (kNormRows * D)), [&](int64_t k0, int64_t k1) {
    Eigen::Array<S, 1, Eigen::Dynamic> xhat(D), gx(D);
    for (int64_t k = k0; k < k1; ++k) {
      Row<S> dw(pp + k * 2 * D, D), db(pp + k * 2 * D + D, D);
      for (int64_t n = k * kNormRows; n < std::min(N, (k + 1) * kNormRows); ++n) {
        CRow<S> dyr(dyp + n * D, D), xr(xp + n * D, D);
        const S rstd = rp[n];
        xhat = (xr - (mp ? mp[n] : S(0))) * rstd;
        gx = dyr * wr;
        const S c_dot = (gx * xhat).sum() / S(D), c_mean = centre ? gx.sum() / S(D) : S(0);
        Row<S>(dxp + n * D, D) = rstd * (gx - c_mean - xhat * c_dot);
        dw += dyr * xhat;
        db += dyr;
      }
    }
  });
  Tensor sums = sum(part, {0});  // blocks in order: the reduction kernels are thread-count independent
  g.dweight = sums.select(0, 0).contiguous();
  g.dbias = sums.select(0, 1).contiguous();
}

}  // namespace

NormForward norm_forward(const Tensor& x_in, const Tensor& weight, const Tensor& bias, double eps, bool centre) {
  const int64_t D = x_in.size(-1);
  SF_CHECK(weight.dim() == 1 && weight.size(0) == D && (!bias.defined() || bias.shape() == weight.shape()),
           "norm: weight/bias must be (", D, "), got ", shape_str(weight.shape()));
  const Tensor x = x_in.contiguous();
  const int64_t N = x.numel() / std::max<int64_t>(D, 1);
  NormForward r{empty(x.shape(), x.dtype()), centre ? empty({N}, x.dtype()) : Tensor(), empty({N}, x.dtype())};
  SF_DISPATCH_FLOAT(x.dtype(), "norm_forward", [&] {
    forward_t<scalar_t>(x, weight.contiguous(), bias.defined() ? bias.contiguous() : bias, scalar_t(eps), centre, r);
  });
  return r;
}

NormGrads norm_backward(const Tensor& dy_in, const Tensor& x_in, const Tensor& weight, const NormForward& saved,
                        bool centre, bool with_bias) {
  const Tensor x = x_in.contiguous(), dy = dy_in.to(x.dtype()).contiguous();
  NormGrads g{empty(x.shape(), x.dtype()), Tensor(), Tensor()};
  SF_DISPATCH_FLOAT(x.dtype(), "norm_backward",
                    [&] { backward_t<scalar_t>(dy, x, weight.contiguous(), saved, centre, g); });
  if (!with_bias) g.dbias = Tensor();
  return g;
}

}  // namespace sf::cpu
