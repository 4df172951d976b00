#include "layers/rnn/pararnn.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/function.h"
#include "core/parallel.h"
#include "layers/rnn/linear_scan.h"
#include "layers/rnn/para_cell_math.h"

namespace sf {

namespace {

// The cell as seen by the kernels: K state components per unit (1: h; 2: c, h), K*K Jacobian rows.
template <class T>
struct Cell {
  ParaCellKind kind;
  const T* a;   // (3, d)
  const T* cp;  // (2, d), LSTM only
  int64_t d;

  int64_t K() const { return kind == ParaCellKind::gru ? 1 : 2; }

  // out = f(prev, u) for one time step (prev null = zero state); jac = ∂f/∂prev when not null.
  void step(const T* u, const T* prev, T* out, T* jac) const {
    if (kind == ParaCellKind::gru) {
      for (int64_t j = 0; j < d; ++j) {
        const para_cell::GruParams<T> p{a[j], a[d + j], a[2 * d + j]};
        T h = prev ? prev[j] : T(0);
        out[j] = jac ? para_cell::gru_step_jac(h, u[j], u[d + j], u[2 * d + j], p, jac + j)
                     : para_cell::gru_step(h, u[j], u[d + j], u[2 * d + j], p);
      }
      return;
    }
    for (int64_t j = 0; j < d; ++j) {
      const para_cell::LstmParams<T> p{a[j], a[d + j], a[2 * d + j], cp[j], cp[d + j]};
      T c = prev ? prev[j] : T(0), h = prev ? prev[d + j] : T(0);
      if (jac) {
        T J[4];
        para_cell::lstm_step_jac(c, h, u[j], u[d + j], u[2 * d + j], p, out + j, out + d + j, J);
        for (int k = 0; k < 4; ++k) jac[k * d + j] = J[k];
      } else {
        para_cell::lstm_step(c, h, u[j], u[d + j], u[2 * d + j], p, out + j, out + d + j);
      }
    }
  }

  // du = ∂loss/∂u for one step given lambda = ∂loss/∂f(prev, u); adds the parameter gradients into
  // ga (3, d) and gcp (2, d).
  void vjp(const T* u, const T* prev, const T* lambda, T* du, T* ga, T* gcp) const {
    if (kind == ParaCellKind::gru) {
      for (int64_t j = 0; j < d; ++j) {
        const para_cell::GruParams<T> p{a[j], a[d + j], a[2 * d + j]};
        para_cell::gru_vjp(prev ? prev[j] : T(0), u[j], u[d + j], u[2 * d + j], p, lambda[j], du + j, du + d + j,
                           du + 2 * d + j, ga + j, ga + d + j, ga + 2 * d + j);
      }
      return;
    }
    for (int64_t j = 0; j < d; ++j) {
      const para_cell::LstmParams<T> p{a[j], a[d + j], a[2 * d + j], cp[j], cp[d + j]};
      para_cell::LstmParams<T> g{ga[j], ga[d + j], ga[2 * d + j], gcp[j], gcp[d + j]};
      para_cell::lstm_vjp(prev ? prev[j] : T(0), prev ? prev[d + j] : T(0), u[j], u[d + j], u[2 * d + j], p,
                          lambda[j], lambda[d + j], du + j, du + d + j, du + 2 * d + j, g);
      ga[j] = g.af, ga[d + j] = g.ao, ga[2 * d + j] = g.az, gcp[j] = g.pf, gcp[d + j] = g.po;
    }
  }
};

// Parallel tasks get at least ~kGrainElems state elements of work: small problems run serially
// instead of paying for a parallel region per pass.
constexpr int64_t kGrainElems = 16384;
inline int64_t grain(int64_t elems_per_item) { return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, elems_per_item)); }

// Sequential forward: S (B, L, K, d) by the loop, in parallel over the batch.
template <class T>
void forward_sequential(const Cell<T>& cell, const T* u, T* S, int64_t B, int64_t L) {
  const int64_t sx = cell.K() * cell.d, su = 3 * cell.d;
  parallel_for(B, grain(L * sx), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t l = 0; l < L; ++l)
        cell.step(u + (b * L + l) * su, l > 0 ? S + (b * L + l - 1) * sx : nullptr, S + (b * L + l) * sx, nullptr);
  });
}

// F_l = f(S_{l−1}, u_l) for every (b, l) at once (all_zero: f(0, u_l), the initial guess), with the
// Jacobians when J is not null (J_0 = 0: h_0 is fixed).
template <class T>
void eval_rows(const Cell<T>& cell, const T* u, const T* S, T* F, T* J, int64_t B, int64_t L, bool all_zero) {
  const int64_t sx = cell.K() * cell.d, sj = cell.K() * cell.K() * cell.d, su = 3 * cell.d;
  parallel_for(B * L, grain(sx), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t l = r % L;
      const T* prev = (all_zero || l == 0) ? nullptr : S + (r - 1) * sx;
      cell.step(u + r * su, prev, F + r * sx, J ? J + r * sj : nullptr);
      if (J && l == 0) std::fill_n(J + r * sj, sj, T(0));
    }
  });
}

// Newton's method on F(h)_l = h_l − f(h_{l−1}, x_l) = 0 (pararnn.h). Returns the stats; S holds the
// solution.
template <class T>
NewtonStats forward_newton(const Cell<T>& cell, const T* u, T* S, int64_t B, int64_t L, const ParaRnnOptions& opt,
                           DType dtype) {
  const int64_t K = cell.K(), d = cell.d, n = B * L * K * d;
  eval_rows<T>(cell, u, S, S, nullptr, B, L, /*all_zero=*/true);  // h^0_l = f(0, x_l)
  Tensor J = K == 1 ? empty({B, L, d}, dtype) : empty({B, L, 4, d}, dtype);
  Tensor r = K == 1 ? empty({B, L, d}, dtype) : empty({B, L, 2, d}, dtype);
  T* pr = r.data<T>();
  NewtonStats stats;
  for (;;) {
    const bool last = stats.iterations >= opt.max_newton_iters;
    eval_rows(cell, u, S, pr, last ? nullptr : J.data<T>(), B, L, false);
    double res = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      pr[i] -= S[i];
      res = std::max(res, static_cast<double>(std::abs(pr[i])));
    }
    stats.residual = res;
    if (last || res <= opt.tol || !std::isfinite(res)) break;
    linear_scan_(J, r, opt.chunk);
    for (int64_t i = 0; i < n; ++i) S[i] += pr[i];
    ++stats.iterations;
  }
  return stats;
}

// The adjoint pass λ_l = g_l + J_{l+1}^T λ_{l+1} (pararnn.h): gu (B, L, 3, d), ga (3, d), gcp (2, d)
// from g = ∂loss/∂h (B, L, d).
template <class T>
void backward(const Cell<T>& cell, const T* u, const T* S, const T* g, T* gu, T* ga, T* gcp, int64_t B, int64_t L,
              const ParaRnnOptions& opt, DType dtype) {
  const int64_t K = cell.K(), d = cell.d, sx = K * d, sj = K * K * d, su = 3 * d;
  // Reversed time m = L−1−l: input g_l (on h only), transition Ĵ_m = J_{l+1}^T, Ĵ_0 = 0.
  Tensor Jr = K == 1 ? empty({B, L, d}, dtype) : empty({B, L, 4, d}, dtype);
  Tensor lam = K == 1 ? empty({B, L, d}, dtype) : zeros({B, L, 2, d}, dtype);
  T *pj = Jr.data<T>(), *pl = lam.data<T>();
  parallel_for(B * L, grain(sx), [&](int64_t r0, int64_t r1) {
    std::vector<T> scratch(static_cast<size_t>(sx));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / L, m = r % L, l = L - 1 - m;
      std::copy_n(g + (b * L + l) * d, d, pl + r * sx + (K - 1) * d);
      T* jr = pj + r * sj;
      if (m == 0) {
        std::fill_n(jr, sj, T(0));
        continue;
      }
      const int64_t q = b * L + l + 1;  // the step whose Jacobian ∂s_{l+1}/∂s_l is needed
      cell.step(u + q * su, S + (q - 1) * sx, scratch.data(), jr);
      if (K == 2) std::swap_ranges(jr + d, jr + 2 * d, jr + 2 * d);  // transpose each 2×2 block
    }
  });
  if (opt.mode == RnnMode::parallel)
    linear_scan_(Jr, lam, opt.chunk);
  else
    linear_scan_sequential_(Jr, lam);
  // Per batch row, so that the parameter sums do not depend on the thread count.
  std::vector<T> ga_b(static_cast<size_t>(B * 3 * d), T(0)), gcp_b(static_cast<size_t>(B * 2 * d), T(0));
  parallel_for(B, grain(L * sx), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t l = 0; l < L; ++l) {
        const int64_t q = b * L + l;
        cell.vjp(u + q * su, l > 0 ? S + (q - 1) * sx : nullptr, pl + (b * L + L - 1 - l) * sx, gu + q * su,
                 ga_b.data() + b * 3 * d, gcp_b.data() + b * 2 * d);
      }
  });
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < 3 * d; ++i) ga[i] += ga_b[b * 3 * d + i];
    for (int64_t i = 0; i < 2 * d; ++i) gcp[i] += gcp_b[b * 2 * d + i];
  }
}

template <class T>
Cell<T> make_cell(ParaCellKind kind, const Tensor& a, const Tensor& cp) {
  return {kind, a.data<T>(), kind == ParaCellKind::lstm ? cp.data<T>() : nullptr, a.size(1)};
}

void check_inputs(ParaCellKind kind, const Tensor& u, const Tensor& a, const Tensor& cp) {
  SF_CHECK(u.dim() == 4 && u.size(2) == 3, "para_rnn: u must be (B, L, 3, d), got ", shape_str(u.shape()));
  const int64_t d = u.size(3);
  SF_CHECK(a.shape() == Shape({3, d}), "para_rnn: a must be (3, ", d, "), got ", shape_str(a.shape()));
  SF_CHECK(u.dtype() == a.dtype() && (u.dtype() == DType::f32 || u.dtype() == DType::f64),
           "para_rnn: u and a must share a float dtype");
  if (kind == ParaCellKind::lstm)
    SF_CHECK(cp.defined() && cp.shape() == Shape({2, d}) && cp.dtype() == u.dtype(),
             "para_rnn: the LSTM needs peepholes cp (2, ", d, ") of u's dtype");
}

template <class T>
Tensor run_forward(ParaCellKind kind, const Tensor& u, const Tensor& a, const Tensor& cp, const ParaRnnOptions& opt,
                   NewtonStats* stats) {
  const int64_t B = u.size(0), L = u.size(1), d = u.size(3);
  const Cell<T> cell = make_cell<T>(kind, a, cp);
  Tensor S = kind == ParaCellKind::gru ? empty({B, L, d}, u.dtype()) : empty({B, L, 2, d}, u.dtype());
  NewtonStats st;
  if (L > 0) {
    if (opt.mode == RnnMode::sequential)
      forward_sequential(cell, u.data<T>(), S.data<T>(), B, L);
    else
      st = forward_newton(cell, u.data<T>(), S.data<T>(), B, L, opt, u.dtype());
  }
  if (stats) *stats = st;
  return S;
}

}  // namespace

Variable para_rnn(ParaCellKind kind, const Variable& u_in, const Variable& a_in, const Variable& cp_in,
                  const ParaRnnOptions& opt, NewtonStats* stats) {
  const Tensor u = u_in.data().contiguous(), a = a_in.data().contiguous();
  const Tensor cp = kind == ParaCellKind::lstm ? cp_in.data().contiguous() : Tensor();
  check_inputs(kind, u, a, cp);
  const bool f64 = u.dtype() == DType::f64;
  Tensor S = f64 ? run_forward<double>(kind, u, a, cp, opt, stats) : run_forward<float>(kind, u, a, cp, opt, stats);
  Tensor h = kind == ParaCellKind::gru ? S : S.select(2, 1).contiguous();
  std::vector<Variable> inputs = {u_in, a_in};
  if (kind == ParaCellKind::lstm) inputs.push_back(cp_in);
  if (!needs_grad(inputs)) return Variable(h);
  return record(kind == ParaCellKind::gru ? "para_gru" : "para_lstm", h, inputs,
                [kind, u, a, cp, S, opt](const Tensor& grad) {
                  const Tensor g = grad.contiguous();
                  const int64_t B = u.size(0), L = u.size(1), d = u.size(3);
                  Tensor gu = empty(u.shape(), u.dtype()), ga = zeros({3, d}, u.dtype()), gcp = zeros({2, d}, u.dtype());
                  auto go = [&](auto tag) {
                    using T = decltype(tag);
                    backward(make_cell<T>(kind, a, cp), u.data<T>(), S.data<T>(), g.data<T>(), gu.data<T>(),
                             ga.data<T>(), gcp.data<T>(), B, L, opt, u.dtype());
                  };
                  if (u.dtype() == DType::f64)
                    go(double{});
                  else
                    go(float{});
                  std::vector<Tensor> out = {gu, ga};
                  if (kind == ParaCellKind::lstm) out.push_back(gcp);
                  return out;
                });
}

Tensor para_rnn_step(ParaCellKind kind, const Tensor& u_t, const Tensor& a, const Tensor& cp, Tensor& state) {
  const Tensor u = u_t.contiguous(), ac = a.contiguous();
  const Tensor cpc = kind == ParaCellKind::lstm ? cp.contiguous() : Tensor();
  SF_CHECK(u.dim() == 3, "para_rnn_step: u_t must be (B, 3, d), got ", shape_str(u.shape()));
  check_inputs(kind, u.unsqueeze(1), ac, cpc);
  const int64_t B = u.size(0), d = u.size(2), K = kind == ParaCellKind::gru ? 1 : 2;
  SF_CHECK(state.is_contiguous() && state.numel() == B * K * d && state.dtype() == u.dtype(),
           "para_rnn_step: state must be contiguous with B*", K, "*d elements of u's dtype");
  Tensor next = empty_like(state);
  auto go = [&](auto tag) {
    using T = decltype(tag);
    const Cell<T> cell = make_cell<T>(kind, ac, cpc);
    for (int64_t b = 0; b < B; ++b)
      cell.step(u.data<T>() + b * 3 * d, state.data<T>() + b * K * d, next.data<T>() + b * K * d, nullptr);
  };
  if (u.dtype() == DType::f64)
    go(double{});
  else
    go(float{});
  state.copy_(next);
  return K == 1 ? next.reshape({B, d}) : next.reshape({B, 2, d}).select(1, 1).contiguous();
}

}  // namespace sf
