#include "layers/titans/state_update.h"

#include "autograd/function.h"
#include "core/ops.h"

namespace sf {
namespace {

// out = a ⊙ x (+ b ⊙ y) with per-row scalars, rows of `per_row` elements; a or b undefined = 1 / absent.
template <class T>
void scaled_sum(Tensor& out, const Tensor& x, const Tensor& a, const Tensor& y, const Tensor& b, int64_t per_row) {
  T* o = out.data<T>();
  const T* px = x.data<T>();
  const T* py = y.defined() ? y.data<T>() : nullptr;
  const T* pa = a.defined() ? a.data<T>() : nullptr;
  const T* pb = b.defined() ? b.data<T>() : nullptr;
  const int64_t rows = out.numel() / per_row;
  for (int64_t r = 0; r < rows; ++r) {
    const T ar = pa ? pa[r] : T(1), br = pb ? pb[r] : T(0);
    T* orow = o + r * per_row;
    const T* xr = px + r * per_row;
    if (py) {
      const T* yr = py + r * per_row;
      for (int64_t i = 0; i < per_row; ++i) orow[i] = ar * xr[i] + br * yr[i];
    } else {
      for (int64_t i = 0; i < per_row; ++i) orow[i] = ar * xr[i];
    }
  }
}

// dx = s ⊙ g and ds_r = Σ g_r ⊙ x_r per row, in one pass (s undefined: dx = g, no ds).
template <class T>
void scale_backward(const Tensor& g, const Tensor& x, const Tensor& s, Tensor& dx, Tensor& ds, int64_t per_row) {
  const T* pg = g.data<T>();
  const T* px = x.data<T>();
  const T* ps = s.defined() ? s.data<T>() : nullptr;
  T* pdx = dx.data<T>();
  T* pds = ds.defined() ? ds.data<T>() : nullptr;
  const int64_t rows = g.numel() / per_row;
  for (int64_t r = 0; r < rows; ++r) {
    const T sr = ps ? ps[r] : T(1);
    const T* gr = pg + r * per_row;
    const T* xr = px + r * per_row;
    T* dr = pdx + r * per_row;
    T acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < per_row; ++i) {
      dr[i] = sr * gr[i];
      acc += gr[i] * xr[i];
    }
    if (pds) pds[r] = acc;
  }
}

Tensor data_or_none(const Variable& v) { return v.defined() ? v.data().contiguous() : Tensor(); }

}  // namespace

Variable memory_state_update(const Variable& x, const Variable& a, const Variable& y, const Variable& b,
                             const Variable& p, const Variable& c, const Variable& g) {
  const int64_t N = x.size(0), m = x.size(1), n = x.size(2), T = p.size(1);
  SF_CHECK(x.dim() == 3 && (!y.defined() || y.shape() == x.shape()) && p.shape() == Shape({N, T, m}) &&
               g.shape() == Shape({N, T, n}) && c.shape() == Shape({N, T}) && (!a.defined() || a.shape() == Shape({N})) &&
               (!b.defined() || b.shape() == Shape({N})) && y.defined() == b.defined(),
           "memory_state_update: shapes X ", shape_str(x.shape()), ", P ", shape_str(p.shape()), ", c ",
           shape_str(c.shape()), ", G ", shape_str(g.shape()), " do not fit");
  SF_CHECK(x.data().device().is_cpu(), "memory_state_update: only the CPU kernel exists so far");
  const Tensor xd = x.data().contiguous(), ad = data_or_none(a), yd = data_or_none(y), bd = data_or_none(b);
  const Tensor gc = (g.data() * c.data().unsqueeze(-1)).contiguous();  // diag(c) G, (N, T, n)
  Tensor out = empty(x.shape(), x.dtype(), x.device());
  if (x.dtype() == DType::f64) scaled_sum<double>(out, xd, ad, yd, bd, m * n);
  else scaled_sum<float>(out, xd, ad, yd, bd, m * n);
  for (int64_t r = 0; r < N; ++r) {
    Tensor o = out.select(0, r);
    gemm_(o, p.data().select(0, r), gc.select(0, r), true, false, -1.0, 1.0);
  }
  std::vector<Variable> inputs{x, a, y, b, p, c, g};
  return record("memory_state_update", out, inputs,
                [xd, ad, yd, bd, pd = p.data(), cd = c.data(), gd = g.data(), gc, m, n](const Tensor& grad) {
                  const Tensor go = grad.contiguous();
                  Tensor dx = empty_like(go), da = ad.defined() ? empty(ad.shape(), ad.dtype()) : Tensor();
                  Tensor dy = yd.defined() ? empty_like(go) : Tensor(), db = bd.defined() ? empty(bd.shape(), bd.dtype()) : Tensor();
                  const bool f64 = go.dtype() == DType::f64;
                  if (f64) scale_backward<double>(go, xd, ad, dx, da, m * n);
                  else scale_backward<float>(go, xd, ad, dx, da, m * n);
                  if (yd.defined()) {
                    if (f64) scale_backward<double>(go, yd, bd, dy, db, m * n);
                    else scale_backward<float>(go, yd, bd, dy, db, m * n);
                  }
                  const Tensor dgc = -matmul(pd, go);                      // (N, T, n)
                  const Tensor dp = -matmul(gc, go, false, true);           // (N, T, m)
                  const Tensor dg = dgc * cd.unsqueeze(-1);
                  const Tensor dc = sum(dgc * gd, {-1});
                  return std::vector<Tensor>{dx, da, dy, db, dp, dc, dg};
                });
}

}  // namespace sf
