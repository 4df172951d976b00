#include "layers/ssm/s4d_kernel.h"

#include <complex>

#include "core/ops.h"
#include "core/parallel.h"

namespace sf {
namespace {

// One mode's continuous and discrete quantities.
template <class T>
struct Mode {
  T delta;
  std::complex<T> A, dA, E, Ct;  // A, ΔA, exp(ΔA) − 1, C̃ = C E / A

  Mode(T log_dt, T log_a_re, T a_im, std::complex<T> C) : delta(std::exp(log_dt)) {
    A = {-std::exp(log_a_re), a_im};
    dA = delta * A;
    E = std::exp(dA) - T(1);
    Ct = C * E / A;
  }
};

template <class T>
std::complex<T> power(std::complex<T> dA, int64_t l) {  // exp(l ΔA), directly
  const T r = std::exp(T(l) * dA.real()), phi = T(l) * dA.imag();
  return {r * std::cos(phi), r * std::sin(phi)};
}

}  // namespace

Variable s4d_kernel(const Variable& log_dt, const Variable& log_A_real, const Variable& A_imag, const Variable& C,
                    int64_t L) {
  SF_CHECK(log_dt.dim() == 1 && log_A_real.dim() == 2, "s4d_kernel: log_dt must be (H) and log_A_real (H, M)");
  const int64_t H = log_dt.size(0), M = log_A_real.size(1);
  SF_CHECK(log_A_real.shape() == Shape({H, M}) && A_imag.shape() == Shape({H, M}) && C.shape() == Shape({H, M, 2}),
           "s4d_kernel: expected log_A_real and A_imag (", H, ", ", M, "), C (", H, ", ", M, ", 2); got ",
           shape_str(log_A_real.shape()), ", ", shape_str(A_imag.shape()), ", ", shape_str(C.shape()));
  SF_CHECK(L >= 1, "s4d_kernel: L must be >= 1, got ", L);
  const DType dt = log_dt.dtype();
  Tensor p_dt = log_dt.data().contiguous(), p_ar = log_A_real.data().contiguous(),
         p_ai = A_imag.data().contiguous(), p_c = C.data().contiguous();
  Tensor K = empty({H, L}, dt);
  SF_DISPATCH_FLOAT(dt, "s4d_kernel", [&] {
    using T = scalar_t;
    const T *ldt = p_dt.data<T>(), *ar = p_ar.data<T>(), *ai = p_ai.data<T>(), *c = p_c.data<T>();
    T* k = K.data<T>();
    parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
      for (int64_t h = h0; h < h1; ++h) {
        std::fill(k + h * L, k + (h + 1) * L, T(0));
        for (int64_t m = 0; m < M; ++m) {
          const int64_t i = h * M + m;
          const Mode<T> md(ldt[h], ar[i], ai[i], {c[2 * i], c[2 * i + 1]});
          for (int64_t l = 0; l < L; ++l) k[h * L + l] += T(2) * (md.Ct * power(md.dA, l)).real();
        }
      }
    });
  });
  return record("s4d_kernel", K, {log_dt, log_A_real, A_imag, C}, [p_dt, p_ar, p_ai, p_c, L](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    const int64_t H = p_dt.size(0), M = p_ar.size(1);
    Tensor d_dt = empty({H}, p_dt.dtype()), d_ar = empty({H, M}, p_dt.dtype()), d_ai = empty({H, M}, p_dt.dtype()),
           d_c = empty({H, M, 2}, p_dt.dtype());
    SF_DISPATCH_FLOAT(p_dt.dtype(), "s4d_kernel backward", [&] {
      using T = scalar_t;
      using Cx = std::complex<T>;
      const T *ldt = p_dt.data<T>(), *ar = p_ar.data<T>(), *ai = p_ai.data<T>(), *c = p_c.data<T>(),
              *dk = g.data<T>();
      T *o_dt = d_dt.data<T>(), *o_ar = d_ar.data<T>(), *o_ai = d_ai.data<T>(), *o_c = d_c.data<T>();
      parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
        for (int64_t h = h0; h < h1; ++h) {
          T d_delta = 0;
          for (int64_t m = 0; m < M; ++m) {
            const int64_t i = h * M + m;
            const Cx C0{c[2 * i], c[2 * i + 1]};
            const Mode<T> md(ldt[h], ar[i], ai[i], C0);
            Cx P = 0, Q = 0;  // Σ_l dK[l] z^l and Σ_l l dK[l] z^l
            for (int64_t l = 0; l < L; ++l) {
              const Cx z = dk[h * L + l] * power(md.dA, l);
              P += z;
              Q += T(l) * z;
            }
            // Complex gradients g_w = ∂/∂Re w + i ∂/∂Im w; through a holomorphic w = f(v): g_v = conj(f') g_w.
            const Cx g_ct = T(2) * std::conj(P);
            const Cx g_dA = T(2) * std::conj(md.Ct * Q);
            const Cx ez = md.E + T(1);
            const Cx g_c = std::conj(md.E / md.A) * g_ct;
            const Cx g_A = std::conj(C0 * (md.delta * ez * md.A - md.E) / (md.A * md.A)) * g_ct + md.delta * g_dA;
            d_delta += (std::conj(g_ct) * C0 * ez).real() + (std::conj(g_dA) * md.A).real();
            o_ar[i] = -std::exp(ar[i]) * g_A.real();  // A_re = −exp(log_A_real)
            o_ai[i] = g_A.imag();
            o_c[2 * i] = g_c.real();
            o_c[2 * i + 1] = g_c.imag();
          }
          o_dt[h] = std::exp(ldt[h]) * d_delta;  // ∂/∂log_dt = Δ ∂/∂Δ
        }
      });
    });
    return std::vector<Tensor>{d_dt, d_ar, d_ai, d_c};
  });
}

S4dDiscrete s4d_discretise(const Tensor& log_dt, const Tensor& log_A_real, const Tensor& A_imag) {
  const int64_t H = log_A_real.size(0), M = log_A_real.size(1);
  const Tensor ldt = log_dt.to(DType::f64).contiguous(), ar = log_A_real.to(DType::f64).contiguous(),
               ai = A_imag.to(DType::f64).contiguous();
  Tensor A_bar = empty({H, M, 2}, DType::f64), B_bar = empty({H, M, 2}, DType::f64);
  double *pa = A_bar.data<double>(), *pb = B_bar.data<double>();
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t i = h * M + m;
      const Mode<double> md(ldt.data<double>()[h], ar.data<double>()[i], ai.data<double>()[i], 0.0);
      const std::complex<double> a = md.E + 1.0, b = md.E / md.A;
      pa[2 * i] = a.real(), pa[2 * i + 1] = a.imag(), pb[2 * i] = b.real(), pb[2 * i + 1] = b.imag();
    }
  }
  return {A_bar.to(log_dt.dtype()), B_bar.to(log_dt.dtype())};
}

Tensor s4d_step(Tensor& state, const S4dDiscrete& d, const Tensor& C, const Tensor& u_t) {
  // Complex products on (re, im) pairs: the last dim of every operand.
  auto re = [](const Tensor& t) { return t.select(-1, 0); };
  auto im = [](const Tensor& t) { return t.select(-1, 1); };
  const Tensor u = u_t.unsqueeze(-1);  // (B, H, 1)
  const Tensor xr = re(d.A_bar) * re(state) - im(d.A_bar) * im(state) + re(d.B_bar) * u;
  const Tensor xi = re(d.A_bar) * im(state) + im(d.A_bar) * re(state) + im(d.B_bar) * u;
  state = stack({xr, xi}, -1);
  return sum(re(C) * xr - im(C) * xi, {-1}) * 2.0;
}

}  // namespace sf
