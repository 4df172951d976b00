#include "layers/ssm/s4_kernel.h"

#include <cmath>
#include <numbers>

#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 complex kernels at -O3.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Dense>

#include "autograd/functions.h"
#include "core/ops.h"
#include "layers/ssm/fft_conv.h"

namespace sf {
namespace {

// A complex tensor as two real Variables; only what the kernel formula needs.
struct Cx {
  Variable re, im;
};
Cx operator+(const Cx& a, const Cx& b) { return {a.re + b.re, a.im + b.im}; }
Cx operator-(const Cx& a, const Cx& b) { return {a.re - b.re, a.im - b.im}; }
Cx operator*(const Cx& a, const Cx& b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
Cx conj(const Cx& a) { return {a.re, -a.im}; }
Cx inverse(const Cx& a) {
  const Variable den = a.re * a.re + a.im * a.im;
  return {a.re / den, -a.im / den};
}
Cx parts(const Variable& x) { return {select(x, -1, 0), select(x, -1, 1)}; }  // (..., 2) -> re, im

}  // namespace

Variable s4_dplr_kernel(const Variable& log_dt, const Variable& log_A_real, const Variable& A_imag,
                        const Variable& P, const Variable& B, const Variable& C, int64_t L) {
  SF_CHECK(log_dt.dim() == 1 && log_A_real.dim() == 2, "s4_dplr_kernel: log_dt must be (H) and log_A_real (H, M)");
  const int64_t H = log_dt.size(0), M = log_A_real.size(1);
  const Shape mode_shape{H, M}, cx_shape{H, M, 2};
  SF_CHECK(log_A_real.shape() == mode_shape && A_imag.shape() == mode_shape && P.shape() == cx_shape &&
               B.shape() == cx_shape && C.shape() == cx_shape,
           "s4_dplr_kernel: expected log_A_real and A_imag ", shape_str(mode_shape), ", P, B and C ",
           shape_str(cx_shape), "; got ", shape_str(log_A_real.shape()), ", ", shape_str(A_imag.shape()), ", ",
           shape_str(P.shape()), ", ", shape_str(B.shape()), ", ", shape_str(C.shape()));
  SF_CHECK(L >= 1, "s4_dplr_kernel: L must be >= 1, got ", L);
  const DType dt = log_dt.dtype();
  const int64_t F = L / 2 + 1;
  // Roots of unity as constants (1, 1, F): 1 − ω and s = 1 + ω.
  std::vector<double> om_re(F), om_im(F);
  for (int64_t k = 0; k < F; ++k) {
    const double phi = -2.0 * std::numbers::pi * double(k) / double(L);
    om_re[k] = std::cos(phi);
    om_im[k] = std::sin(phi);
  }
  auto constant = [&](const std::vector<double>& v, double offset, double sign) {
    std::vector<double> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = offset + sign * v[i];
    return Variable(from_vector(out, {1, 1, F}).to(dt));
  };
  const Cx one_minus_w{constant(om_re, 1, -1), constant(om_im, 0, -1)};
  const Cx s{constant(om_re, 1, 1), constant(om_im, 0, 1)};
  const Variable two_over_dt = reshape(exp(-log_dt), {H, 1, 1}) * 2.0;
  const Cx q{one_minus_w.re * two_over_dt, one_minus_w.im * two_over_dt};  // (H, 1, F)
  const Cx Lambda{unsqueeze(-exp(log_A_real), 2), unsqueeze(A_imag, 2)};  // (H, M, 1)
  const Cx r = inverse(q - s * Lambda), rc = inverse(q - s * conj(Lambda));  // (H, M, F)
  auto cauchy = [&](const Cx& v) {  // S(v) -> (H, F)
    const Cx vv{unsqueeze(v.re, 2), unsqueeze(v.im, 2)};
    const Cx t = vv * r + conj(vv) * rc;
    return Cx{sum(t.re, {1}), sum(t.im, {1})};
  };
  const Cx p = parts(P), b = parts(B), c = parts(C);
  const Cx k00 = cauchy(c * b), k01 = cauchy(c * p), k10 = cauchy(conj(p) * b);
  const Variable p2 = unsqueeze(p.re * p.re + p.im * p.im, 2);  // |P|² (H, M, 1), real
  const Cx k11{sum(p2 * (r.re + rc.re), {1}), sum(p2 * (r.im + rc.im), {1})};
  const Cx s2{reshape(s.re, {1, F}), reshape(s.im, {1, F})};
  const Cx sk11 = s2 * k11;
  const Cx spectrum = k00 - s2 * k01 * k10 * inverse(Cx{sk11.re + 1.0, sk11.im});
  return irfft(spectrum.re * 2.0, spectrum.im * 2.0, L);
}

S4Recurrence s4_recurrence(const Tensor& log_dt, const Tensor& log_A_real, const Tensor& A_imag, const Tensor& P,
                           const Tensor& B, const Tensor& C, int64_t L) {
  using cd = std::complex<double>;
  using Mat = Eigen::MatrixXcd;
  using Vec = Eigen::VectorXcd;
  const Tensor ldt = log_dt.to(DType::f64).contiguous(), ar = log_A_real.to(DType::f64).contiguous(),
               ai = A_imag.to(DType::f64).contiguous(), p = P.to(DType::f64).contiguous(),
               b = B.to(DType::f64).contiguous(), c = C.to(DType::f64).contiguous();
  const int64_t H = ldt.size(0), M = ar.size(1), N = 2 * M;
  S4Recurrence out{H, N, std::vector<cd>(H * N * N), std::vector<cd>(H * N), std::vector<cd>(H * N)};
  for (int64_t h = 0; h < H; ++h) {
    Vec Pf(N), Bf(N), Cf(N), Lf(N);
    for (int64_t m = 0; m < M; ++m) {
      const int64_t i = h * M + m;
      const cd lam{-std::exp(ar.data<double>()[i]), ai.data<double>()[i]};
      const cd pm{p.data<double>()[2 * i], p.data<double>()[2 * i + 1]}, bm{b.data<double>()[2 * i], b.data<double>()[2 * i + 1]},
          cm{c.data<double>()[2 * i], c.data<double>()[2 * i + 1]};
      Lf[m] = lam, Lf[M + m] = std::conj(lam);
      Pf[m] = pm, Pf[M + m] = std::conj(pm);
      Bf[m] = bm, Bf[M + m] = std::conj(bm);
      Cf[m] = cm, Cf[M + m] = std::conj(cm);
    }
    const double delta = std::exp(ldt.data<double>()[h]);
    const Mat A = Mat(Lf.asDiagonal()) - Pf * Pf.adjoint();
    const Mat I = Mat::Identity(N, N);
    const Eigen::PartialPivLU<Mat> back(I - (delta / 2) * A);
    const Mat A_bar = back.solve(I + (delta / 2) * A);
    const Vec B_bar = back.solve(delta * Bf);
    Mat power = I, base = A_bar;  // Ā^L by squaring
    for (int64_t e = L; e > 0; e >>= 1, base = base * base)
      if (e & 1) power = power * base;
    const Vec C_row = (I - power).transpose().partialPivLu().solve(Cf);  // Cᵀ = C̃ᵀ (I − Ā^L)^{−1}
    Eigen::Map<Eigen::Matrix<cd, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(out.A_bar.data() + h * N * N, N, N) = A_bar;
    Eigen::Map<Vec>(out.B_bar.data() + h * N, N) = B_bar;
    Eigen::Map<Vec>(out.C.data() + h * N, N) = C_row;
  }
  return out;
}

Tensor s4_step(Tensor& state, const S4Recurrence& r, const Tensor& u_t) {
  using cd = std::complex<double>;
  const int64_t batch = u_t.size(0), H = r.H, N = r.N;
  SF_CHECK(u_t.shape() == Shape({batch, H}) && state.shape() == Shape({batch, H, N, 2}),
           "s4_step: expected u_t (batch, ", H, ") and state (batch, ", H, ", ", N, ", 2); got ",
           shape_str(u_t.shape()), " and ", shape_str(state.shape()));
  const Tensor u = u_t.to(DType::f64).contiguous();
  Tensor x = state.to(DType::f64).contiguous();
  Tensor y = empty({batch, H}, DType::f64);
  std::vector<cd> next(N);
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t h = 0; h < H; ++h) {
      auto* xs = reinterpret_cast<cd*>(x.data<double>() + (bi * H + h) * N * 2);
      const cd* A = r.A_bar.data() + h * N * N;
      const double uv = u.data<double>()[bi * H + h];
      cd out = 0;
      for (int64_t n = 0; n < N; ++n) {
        cd acc = r.B_bar[h * N + n] * uv;
        for (int64_t k = 0; k < N; ++k) acc += A[n * N + k] * xs[k];
        next[n] = acc;
        out += r.C[h * N + n] * acc;
      }
      std::copy(next.begin(), next.end(), xs);
      y.data<double>()[bi * H + h] = out.real();
    }
  state.copy_(x);
  return y.to(u_t.dtype());
}

}  // namespace sf
