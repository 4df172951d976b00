#include "layers/m2/gated_long_conv.h"

#include <vector>

#include "autograd/functions.h"
#include "core/parallel.h"
#include "layers/ssm/fft_conv.h"
#include "layers/ssm/lane_fft.h"

namespace sf {
namespace {

// A (D, L) filter's gradient in the filter's layout: (L, D) storage seen as (D, L) when channels are
// contiguous (the implicit filter's transposed output), so that no transpose is copied either way.
Tensor filter_grad_like(const Tensor& k) {
  return k.stride(0) == 1 ? empty({k.size(1), k.size(0)}, k.dtype()).transpose(0, 1) : empty(k.shape(), k.dtype());
}

struct Saved {
  Tensor p, u, beta, beta2;
  Tensor s;       // (B, L, D): conv(v', k) + β ⊙ v', the factor of x2
  Tensor kf, xf;  // spectra per channel group: filters (G, C, S), signals v' and u (G, C, B, S); C convs
  Tensor k, k2;   // the filters, for their gradients' layout
  int64_t n = 0;
};

// Lanes l < lanes of a group starting at channel h0, as a row of W values (zeros past `lanes`).
template <class T, int64_t W>
std::vector<T> lane_values(const Tensor& t, int64_t h0, int64_t lanes) {
  std::vector<T> out(W, T(0));
  const T* p = t.data<T>();
  for (int64_t l = 0; l < lanes; ++l) out[l] = p[(h0 + l) * t.stride(0)];
  return out;
}

// The sizes of one call: D channels in G groups of W lanes, C convolutions (2 with the residual one),
// spectra of S scalars.
template <class T>
struct Dims {
  static constexpr int64_t W = LaneFft<T>::W;
  int64_t B, L, D, G, C, S;
  explicit Dims(const Saved& sv)
      : B(sv.p.size(0)), L(sv.p.size(1)), D(sv.p.size(2) / 3), G((D + W - 1) / W), C(sv.u.defined() ? 2 : 1),
        S(LaneFft<T>::spectrum_size(sv.n)) {}
};

template <class T>
void forward_t(Saved& sv, Tensor& y, bool grad) {
  using Fft = LaneFft<T>;
  constexpr int64_t W = Fft::W;
  const Tensor& p = sv.p;
  const bool residual = sv.u.defined();
  // Plain locals, not a structured binding: clang 14 (the fuzz build) cannot capture bindings in lambdas.
  const Dims<T> dims(sv);
  const int64_t B = dims.B, L = dims.L, D = dims.D, G = dims.G, C = dims.C, S = dims.S;
  sv.kf = empty({G, C, S}, p.dtype());
  if (grad) sv.xf = empty({G, C, B, S}, p.dtype());
  if (grad) sv.s = empty({B, L, D}, p.dtype());
  const T* pp = p.data<T>();
  const T* pu = residual ? sv.u.data<T>() : nullptr;
  T* py = y.data<T>();
  parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
    Fft fft(sv.n);
    const Tensor ws = zeros({3 * L * W + 2 * S}, p.dtype());  // cached allocator; lanes past D stay 0 in a
    T *a = ws.data<T>(), *c1 = a + L * W, *c2 = c1 + L * W, *spec = c2 + L * W, *prod = spec + S;
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t h0 = g * W, lanes = std::min(W, D - h0);
      const std::vector<T> bt = lane_values<T, W>(sv.beta, h0, lanes);
      const std::vector<T> bt2 = residual ? lane_values<T, W>(sv.beta2, h0, lanes) : std::vector<T>(W, T(0));
      T* kf = sv.kf.data<T>() + g * C * S;
      for (int64_t c = 0; c < C; ++c) {
        const Tensor& k = c == 0 ? sv.k : sv.k2;
        fft.forward(k.data<T>() + h0 * k.stride(0), L, k.stride(1), k.stride(0), lanes, kf + c * S);
      }
      for (int64_t b = 0; b < B; ++b) {
        const T* P = pp + b * L * 3 * D;
        for (int64_t t = 0; t < L; ++t) {  // v' = v ⊙ x1
          const T* row = P + t * 3 * D + h0;
#pragma omp simd
          for (int64_t l = 0; l < lanes; ++l) a[t * W + l] = row[2 * D + l] * row[l];
        }
        T* vf = grad ? sv.xf.data<T>() + ((g * C) * B + b) * S : spec;
        fft.forward(a, L, W, 1, W, vf);
        fft.multiply(vf, kf, prod, false, false);
        fft.inverse(prod, c1, L, W, 1, W, false);
        if (residual) {
          T* uf = grad ? sv.xf.data<T>() + ((g * C + 1) * B + b) * S : spec;
          fft.forward(pu + b * L * D + h0, L, D, 1, lanes, uf);
          fft.multiply(uf, kf + S, prod, false, false);
          fft.inverse(prod, c2, L, W, 1, W, false);
        }
        for (int64_t t = 0; t < L; ++t) {  // s = conv(v', k) + β ⊙ v', y = s ⊙ x2 (+ conv(u, k2) + β2 ⊙ u)
          const T* x2 = P + t * 3 * D + D + h0;
          const int64_t o = (b * L + t) * D + h0;
          T* yt = py + o;
          T *st = c1 + t * W, *c2t = c2 + t * W;
          const T* at = a + t * W;
#pragma omp simd
          for (int64_t l = 0; l < lanes; ++l) st[l] += bt[l] * at[l];
          if (grad) std::copy(st, st + lanes, sv.s.data<T>() + o);
          if (residual) {
            const T* ut = pu + o;
#pragma omp simd
            for (int64_t l = 0; l < lanes; ++l) yt[l] = st[l] * x2[l] + (c2t[l] + bt2[l] * ut[l]);
          } else {
#pragma omp simd
            for (int64_t l = 0; l < lanes; ++l) yt[l] = st[l] * x2[l];
          }
        }
      }
    }
  });
}

template <class T>
std::vector<Tensor> backward_t(const Saved& sv, const Tensor& grad) {
  using Fft = LaneFft<T>;
  constexpr int64_t W = Fft::W;
  const Tensor& p = sv.p;
  const bool residual = sv.u.defined();
  const Dims<T> dims(sv);
  const int64_t B = dims.B, L = dims.L, D = dims.D, G = dims.G, C = dims.C, S = dims.S;
  Tensor dp = empty(p.shape(), p.dtype()), dk = filter_grad_like(sv.k), dbeta = empty({D}, p.dtype());
  Tensor du, dk2, dbeta2;
  if (residual) {
    du = empty(sv.u.shape(), p.dtype());
    dk2 = filter_grad_like(sv.k2);
    dbeta2 = empty({D}, p.dtype());
  }
  const T *pp = p.data<T>(), *pg = grad.data<T>(), *ps = sv.s.data<T>();
  const T* pu = residual ? sv.u.data<T>() : nullptr;
  T* pdp = dp.data<T>();
  parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
    Fft fft(sv.n);
    const Tensor ws = zeros({2 * L * W + 4 * S}, p.dtype());  // cached allocator; lanes past D stay 0 in a
    T *a = ws.data<T>(), *c = a + L * W, *spec = c + L * W, *prod = spec + S, *acc1 = prod + S, *acc2 = acc1 + S;
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t h0 = g * W, lanes = std::min(W, D - h0);
      const std::vector<T> bt = lane_values<T, W>(sv.beta, h0, lanes);
      const std::vector<T> bt2 = residual ? lane_values<T, W>(sv.beta2, h0, lanes) : std::vector<T>(W, T(0));
      const T* kf = sv.kf.data<T>() + g * C * S;
      double db[W] = {}, db2[W] = {};  // per lane, in a fixed order over (b, t): deterministic
      for (int64_t b = 0; b < B; ++b) {
        const T* P = pp + b * L * 3 * D;
        const T* gy = pg + b * L * D + h0;
        for (int64_t t = 0; t < L; ++t) {  // gs = dy ⊙ x2 (the gradient of s), dx2 = dy ⊙ s
          const T* row = P + t * 3 * D + h0;
          T* drow = pdp + (b * L + t) * 3 * D + h0;
          const T* st = ps + (b * L + t) * D + h0;
#pragma omp simd
          for (int64_t l = 0; l < lanes; ++l) {
            a[t * W + l] = gy[t * D + l] * row[D + l];
            drow[D + l] = gy[t * D + l] * st[l];
          }
        }
        fft.forward(a, L, W, 1, W, spec);
        fft.multiply(kf, spec, prod, true, false);
        fft.inverse(prod, c, L, W, 1, W, false);
        fft.multiply(sv.xf.data<T>() + ((g * C) * B + b) * S, spec, acc1, true, b > 0);
        for (int64_t t = 0; t < L; ++t) {  // dv' = conv^T(gs, k) + β ⊙ gs, then dx1 = dv' ⊙ v, dv = dv' ⊙ x1
          const T* row = P + t * 3 * D + h0;
          T* drow = pdp + (b * L + t) * 3 * D + h0;
          const T *at = a + t * W, *ct = c + t * W;
#pragma omp simd
          for (int64_t l = 0; l < lanes; ++l) {
            const T x1 = row[l], v = row[2 * D + l], dvp = ct[l] + bt[l] * at[l];
            db[l] += static_cast<double>(at[l] * (v * x1));
            drow[l] = dvp * v;
            drow[2 * D + l] = dvp * x1;
          }
        }
        if (!residual) continue;
        fft.forward(gy, L, D, 1, lanes, spec);
        fft.multiply(kf + S, spec, prod, true, false);
        fft.inverse(prod, c, L, W, 1, W, false);
        fft.multiply(sv.xf.data<T>() + ((g * C + 1) * B + b) * S, spec, acc2, true, b > 0);
        for (int64_t t = 0; t < L; ++t) {  // du = conv^T(dy, k2) + β2 ⊙ dy
          const int64_t o = (b * L + t) * D + h0;
          const T* ct = c + t * W;
          T* dut = du.data<T>() + o;
#pragma omp simd
          for (int64_t l = 0; l < lanes; ++l) {
            dut[l] = ct[l] + bt2[l] * pg[o + l];
            db2[l] += static_cast<double>(pg[o + l] * pu[o + l]);
          }
        }
      }
      fft.inverse(acc1, dk.data<T>() + h0 * dk.stride(0), L, dk.stride(1), dk.stride(0), lanes, false);
      for (int64_t l = 0; l < lanes; ++l) dbeta.data<T>()[h0 + l] = static_cast<T>(db[l]);
      if (residual) {
        fft.inverse(acc2, dk2.data<T>() + h0 * dk2.stride(0), L, dk2.stride(1), dk2.stride(0), lanes, false);
        for (int64_t l = 0; l < lanes; ++l) dbeta2.data<T>()[h0 + l] = static_cast<T>(db2[l]);
      }
    }
  });
  std::vector<Tensor> grads{dp, dk, dbeta};
  if (residual) grads.insert(grads.end(), {du, dk2, dbeta2});
  return grads;
}

}  // namespace

Variable m2_gated_long_conv(const Variable& p, const Variable& k, const Variable& beta, const Variable& u,
                            const Variable& k2, const Variable& beta2) {
  SF_CHECK(p.dim() == 3 && p.size(2) % 3 == 0, "m2_gated_long_conv: p must be (B, L, 3D), got ", shape_str(p.shape()));
  const int64_t B = p.size(0), L = p.size(1), D = p.size(2) / 3;
  const bool residual = u.defined();
  SF_CHECK(k.shape() == Shape({D, L}) && beta.shape() == Shape{D}, "m2_gated_long_conv: need k (", D, ", ", L,
           ") and beta (", D, "), got ", shape_str(k.shape()), " and ", shape_str(beta.shape()));
  SF_CHECK(!residual || (u.shape() == Shape({B, L, D}) && k2.shape() == k.shape() && beta2.shape() == beta.shape()),
           "m2_gated_long_conv: the residual conv needs u (B, L, D), k2 and beta2 shaped as k and beta");
  SF_CHECK(p.data().device().is_cpu() && is_floating(p.dtype()), "m2_gated_long_conv: needs floating CPU tensors");
  std::vector<Variable> inputs{p, k, beta};
  if (residual) inputs.insert(inputs.end(), {u, k2, beta2});
  for (const Variable& x : inputs)
    SF_CHECK(x.dtype() == p.dtype(), "m2_gated_long_conv: all inputs must be ", dtype_name(p.dtype()));
  Saved sv;
  sv.p = p.data().contiguous();
  sv.beta = beta.data();
  sv.k = k.data();
  sv.n = fft_conv_size(L);
  if (residual) {
    sv.u = u.data().contiguous();
    sv.k2 = k2.data();
    sv.beta2 = beta2.data();
  }
  const bool grad = needs_grad(inputs);
  Tensor y = empty({B, L, D}, p.dtype());
  SF_DISPATCH_FLOAT(p.dtype(), "m2_gated_long_conv", [&] { forward_t<scalar_t>(sv, y, grad); });
  return record("m2_gated_long_conv", y, std::move(inputs), [sv = std::move(sv)](const Tensor& g) {
    const Tensor gc = g.contiguous();
    return SF_DISPATCH_FLOAT(gc.dtype(), "m2_gated_long_conv backward", [&] { return backward_t<scalar_t>(sv, gc); });
  });
}

Variable m2_gated_long_conv_composite(const Variable& p, const Variable& k, const Variable& beta, const Variable& u,
                                      const Variable& k2, const Variable& beta2, const LongConv& conv) {
  const int64_t D = p.size(2) / 3;
  const Variable x1 = narrow(p, 2, 0, D), x2 = narrow(p, 2, D, D), v = contiguous(narrow(p, 2, 2 * D, D) * x1);
  const Variable y = (conv(v, k) + v * beta) * x2;
  return u.defined() ? y + conv(u, k2) + u * beta2 : y;
}

}  // namespace sf
