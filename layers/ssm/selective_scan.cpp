#include "layers/ssm/selective_scan.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/ops.h"
#include "core/parallel.h"
#include "layers/ssm/scan_exp.h"

namespace sf {
namespace {

constexpr int64_t kEBlock = 16;  // channels per work item: their states (16×N) stay in L1

// Shapes and raw inputs of one scan; chunk c covers steps [c·chunk, min(L, (c+1)·chunk)).
template <class T>
struct Scan {
  int64_t B, L, E, N, chunk, n_chunks, n_blocks;
  const T *u, *dt, *A, *Bm, *Cm, *D;

  int64_t t0(int64_t c) const { return c * chunk; }
  int64_t t1(int64_t c) const { return std::min(L, (c + 1) * chunk); }
  int64_t e0(int64_t k) const { return k * kEBlock; }
  int64_t e1(int64_t k) const { return std::min(E, (k + 1) * kEBlock); }
  // Offset of (b, c, e, 0) in a (B, n_chunks, E, N) buffer of per-chunk states.
  int64_t at(int64_t b, int64_t c, int64_t e) const { return ((b * n_chunks + c) * E + e) * N; }
  // Work items per thread task so that tiny scans run serially (~32K state updates a task).
  int64_t grain(int64_t steps, int64_t channels) const { return std::max<int64_t>(1, 32768 / (steps * channels * N)); }
  // Σ_t Δ_t[e] over chunk c: the chunk's decay is Π_t exp(Δ_t A) = exp(A Σ_t Δ_t).
  T delta_sum(int64_t b, int64_t c, int64_t e) const {
    T s = 0;
    for (int64_t t = t0(c); t < t1(c); ++t) s += dt[(b * L + t) * E + e];
    return s;
  }
};

// Steps chunk c of batch b, channels [e0, e1), from state h ((e1−e0)×N, advanced in place);
// writes y when given.
template <class T>
void forward_chunk(const Scan<T>& s, int64_t b, int64_t c, int64_t e0, int64_t e1, T* h, T* y) {
  const int64_t N = s.N;
  for (int64_t t = s.t0(c); t < s.t1(c); ++t) {
    const int64_t row = b * s.L + t;
    const T* Bt = s.Bm + row * N;
    const T* Ct = s.Cm + row * N;
    for (int64_t e = e0; e < e1; ++e) {
      const T d = s.dt[row * s.E + e], x = s.u[row * s.E + e], dx = d * x;
      const T* Ae = s.A + e * N;
      T* he = h + (e - e0) * N;
      T acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t n = 0; n < N; ++n) {
        he[n] = scan_exp(d * Ae[n]) * he[n] + dx * Bt[n];
        acc += he[n] * Ct[n];
      }
      if (y) y[row * s.E + e] = acc + s.D[e] * x;
    }
  }
}

// Writes y and the state at every chunk start into H0 (B, n_chunks, E, N).
template <class T>
void scan_forward(const Scan<T>& s, bool chunked, T* y, T* H0) {
  const int64_t N = s.N, items = s.B * s.n_blocks;
  if (!chunked) {
    parallel_for(items, s.grain(s.L, kEBlock), [&](int64_t i0, int64_t i1) {
      std::vector<T> h(kEBlock * N);
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t b = i / s.n_blocks, e0 = s.e0(i % s.n_blocks), e1 = s.e1(i % s.n_blocks);
        std::fill(h.begin(), h.end(), T(0));
        for (int64_t c = 0; c < s.n_chunks; ++c) {
          std::copy(h.begin(), h.begin() + (e1 - e0) * N, H0 + s.at(b, c, e0));
          forward_chunk(s, b, c, e0, e1, h.data(), y);
        }
      }
    });
    return;
  }
  // Phase 1: every chunk from a zero state; keep its end state.
  std::vector<T> hloc(static_cast<size_t>(s.B * s.n_chunks * s.E * N), T(0));
  parallel_for(items * s.n_chunks, s.grain(s.chunk, kEBlock), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i % s.n_chunks, k = (i / s.n_chunks) % s.n_blocks, b = i / (s.n_chunks * s.n_blocks);
      forward_chunk(s, b, c, s.e0(k), s.e1(k), hloc.data() + s.at(b, c, s.e0(k)), static_cast<T*>(nullptr));
    }
  });
  // Phase 2: chunk starts, sequential over chunks: hstart_{c+1} = P_c ⊙ hstart_c + hloc_c.
  parallel_for(s.B * s.E, s.grain(s.n_chunks, 1), [&](int64_t i0, int64_t i1) {
    std::vector<T> h(N);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t b = i / s.E, e = i % s.E;
      std::fill(h.begin(), h.end(), T(0));
      for (int64_t c = 0; c < s.n_chunks; ++c) {
        std::copy(h.begin(), h.end(), H0 + s.at(b, c, e));
        const T S = s.delta_sum(b, c, e);
        for (int64_t n = 0; n < N; ++n) h[n] = scan_exp(S * s.A[e * N + n]) * h[n] + hloc[s.at(b, c, e) + n];
      }
    }
  });
  // Phase 3: rerun every chunk from its corrected start, emitting y.
  parallel_for(items * s.n_chunks, s.grain(s.chunk, kEBlock), [&](int64_t i0, int64_t i1) {
    std::vector<T> h(kEBlock * N);
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i % s.n_chunks, k = (i / s.n_chunks) % s.n_blocks, b = i / (s.n_chunks * s.n_blocks);
      const int64_t e0 = s.e0(k), e1 = s.e1(k);
      std::copy(H0 + s.at(b, c, e0), H0 + s.at(b, c, e0) + (e1 - e0) * N, h.begin());
      forward_chunk(s, b, c, e0, e1, h.data(), y);
    }
  });
}

// Gradient outputs: du, dd (B, L, E) written once per element; per-item partials reduced later in
// a fixed order: dBp, dCp (n_blocks, B, L, N), dAp (B, n_chunks, E, N), dDp (B, n_chunks, E).
template <class T>
struct Grads {
  const T* g;
  T *du, *dd, *dBp, *dCp, *dAp, *dDp;
};

// Reverse (adjoint) scan over chunk c of batch b, channel block k (selective_scan.h). `lam` ((e1−e0)×N) holds
// the carry a_{t1} λ_{t1} from the next chunk on entry and a_{t0} λ_{t0} on exit; h0 is the state
// before the chunk; hbuf (chunk × kEBlock × N) is scratch for the recomputed states.
template <class T>
void backward_chunk(const Scan<T>& s, const Grads<T>& o, int64_t b, int64_t c, int64_t k, const T* h0, T* lam,
                    T* hbuf) {
  const int64_t N = s.N, E = s.E, e0 = s.e0(k), e1 = s.e1(k), w = e1 - e0, t0 = s.t0(c);
  auto state = [&](int64_t t, int64_t e) -> T* { return hbuf + ((t - t0) * w + (e - e0)) * N; };
  // Recompute h_t inside the chunk (forward_chunk's recurrence, every step kept).
  for (int64_t t = t0; t < s.t1(c); ++t) {
    const int64_t row = b * s.L + t;
    const T* Bt = s.Bm + row * N;
    for (int64_t e = e0; e < e1; ++e) {
      const T d = s.dt[row * E + e], dx = d * s.u[row * E + e];
      const T* prev = t == t0 ? h0 + (e - e0) * N : state(t - 1, e);
      T* cur = state(t, e);
      for (int64_t n = 0; n < N; ++n) cur[n] = scan_exp(d * s.A[e * N + n]) * prev[n] + dx * Bt[n];
    }
  }
  T* dA = o.dAp + s.at(b, c, e0);
  T* dD = o.dDp + (b * s.n_chunks + c) * E + e0;
  std::fill(dA, dA + w * N, T(0));
  std::fill(dD, dD + w, T(0));
  for (int64_t t = s.t1(c) - 1; t >= t0; --t) {
    const int64_t row = b * s.L + t;
    const T* Bt = s.Bm + row * N;
    const T* Ct = s.Cm + row * N;
    T* dB = o.dBp + (k * s.B * s.L + row) * N;
    T* dC = o.dCp + (k * s.B * s.L + row) * N;
    std::fill(dB, dB + N, T(0));
    std::fill(dC, dC + N, T(0));
    for (int64_t e = e0; e < e1; ++e) {
      const T g = o.g[row * E + e], d = s.dt[row * E + e], x = s.u[row * E + e];
      const T* Ae = s.A + e * N;
      const T* prev = t == t0 ? h0 + (e - e0) * N : state(t - 1, e);
      const T* cur = state(t, e);
      T* le = lam + (e - e0) * N;
      T* dAe = dA + (e - e0) * N;
      T d_delta = 0, dbx = 0;
#pragma omp simd reduction(+ : d_delta, dbx)
      for (int64_t n = 0; n < N; ++n) {
        le[n] += g * Ct[n];  // λ_t = g_t Cm_t + a_{t+1} λ_{t+1}
        dC[n] += g * cur[n];
        const T a = scan_exp(d * Ae[n]);
        const T da_a = le[n] * prev[n] * a;  // (λ_t ⊙ h_{t−1}) ⊙ a_t
        d_delta += da_a * Ae[n] + le[n] * Bt[n] * x;
        dAe[n] += da_a * d;
        dB[n] += le[n] * d * x;
        dbx += le[n] * Bt[n];
        le[n] *= a;  // carry a_t λ_t to step t − 1
      }
      o.du[row * E + e] = dbx * d + s.D[e] * g;
      o.dd[row * E + e] = d_delta;
      dD[e - e0] += g * x;
    }
  }
}

template <class T>
void scan_backward(const Scan<T>& s, bool chunked, const T* H0, const Grads<T>& o) {
  const int64_t N = s.N, items = s.B * s.n_blocks;
  auto scratch = [&] { return std::vector<T>(static_cast<size_t>(s.chunk * kEBlock * N)); };
  if (!chunked) {
    parallel_for(items, s.grain(s.L, kEBlock), [&](int64_t i0, int64_t i1) {
      std::vector<T> lam(kEBlock * N), hbuf = scratch();
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t b = i / s.n_blocks, k = i % s.n_blocks;
        std::fill(lam.begin(), lam.end(), T(0));
        for (int64_t c = s.n_chunks - 1; c >= 0; --c)
          backward_chunk(s, o, b, c, k, H0 + s.at(b, c, s.e0(k)), lam.data(), hbuf.data());
      }
    });
    return;
  }
  // Phase 1: each chunk's adjoint from a zero carry; keep a_{t0} λloc_{t0}.
  std::vector<T> mloc(static_cast<size_t>(s.B * s.n_chunks * s.E * N), T(0));
  parallel_for(items * s.n_chunks, s.grain(s.chunk, kEBlock), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i % s.n_chunks, k = (i / s.n_chunks) % s.n_blocks, b = i / (s.n_chunks * s.n_blocks);
      for (int64_t t = s.t1(c) - 1; t >= s.t0(c); --t) {
        const int64_t row = b * s.L + t;
        for (int64_t e = s.e0(k); e < s.e1(k); ++e) {
          const T g = o.g[row * s.E + e], d = s.dt[row * s.E + e];
          T* m = mloc.data() + s.at(b, c, e);
          for (int64_t n = 0; n < N; ++n) m[n] = (m[n] + g * s.Cm[row * N + n]) * scan_exp(d * s.A[e * N + n]);
        }
      }
    }
  });
  // Phase 2: carries into each chunk, sequential from the last: μ_{c−1} = mloc_c + P_c ⊙ μ_c.
  std::vector<T> mu(mloc.size());
  parallel_for(s.B * s.E, s.grain(s.n_chunks, 1), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t b = i / s.E, e = i % s.E;
      std::fill_n(mu.data() + s.at(b, s.n_chunks - 1, e), N, T(0));
      for (int64_t c = s.n_chunks - 1; c > 0; --c) {
        const T S = s.delta_sum(b, c, e);
        const T* m = mu.data() + s.at(b, c, e);
        T* next = mu.data() + s.at(b, c - 1, e);
        for (int64_t n = 0; n < N; ++n) next[n] = mloc[s.at(b, c, e) + n] + scan_exp(S * s.A[e * N + n]) * m[n];
      }
    }
  });
  // Phase 3: every chunk from its carry, with all gradients.
  parallel_for(items * s.n_chunks, s.grain(s.chunk, kEBlock), [&](int64_t i0, int64_t i1) {
    std::vector<T> lam(kEBlock * N), hbuf = scratch();
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t c = i % s.n_chunks, k = (i / s.n_chunks) % s.n_blocks, b = i / (s.n_chunks * s.n_blocks);
      const int64_t e0 = s.e0(k), w = s.e1(k) - e0;
      std::copy_n(mu.data() + s.at(b, c, e0), w * N, lam.begin());
      backward_chunk(s, o, b, c, k, H0 + s.at(b, c, e0), lam.data(), hbuf.data());
    }
  });
}

template <class T>
Scan<T> make_scan(const Tensor& u, const Tensor& dt, const Tensor& A, const Tensor& Bm, const Tensor& Cm,
                  const Tensor& D, int64_t chunk) {
  const int64_t L = u.size(1), E = u.size(2);
  const int64_t ch = std::max<int64_t>(1, std::min(chunk, L));
  return {u.size(0), L, E, A.size(1), ch, (L + ch - 1) / ch, (E + kEBlock - 1) / kEBlock,
          u.data<T>(), dt.data<T>(), A.data<T>(), Bm.data<T>(), Cm.data<T>(), D.data<T>()};
}

bool use_chunked(const ScanOptions& o, int64_t batch, int64_t channels) {
  if (o.schedule != ScanSchedule::automatic) return o.schedule == ScanSchedule::chunked;
  return batch * ((channels + kEBlock - 1) / kEBlock) < kScanMinItems;
}

}  // namespace

Variable selective_scan(const Variable& u, const Variable& delta, const Variable& A, const Variable& Bm,
                        const Variable& Cm, const Variable& D, const ScanOptions& options) {
  SF_CHECK(u.dim() == 3 && A.dim() == 2, "selective_scan: u must be (B, L, E) and A (E, N), got ",
           shape_str(u.shape()), " and ", shape_str(A.shape()));
  const int64_t B = u.size(0), L = u.size(1), E = u.size(2), N = A.size(1);
  SF_CHECK(delta.shape() == u.shape() && A.size(0) == E && Bm.shape() == Shape({B, L, N}) &&
               Cm.shape() == Shape({B, L, N}) && D.shape() == Shape({E}),
           "selective_scan: expected delta ", shape_str(u.shape()), ", Bm and Cm ", shape_str({B, L, N}),
           ", D (", E, "); got ", shape_str(delta.shape()), ", ", shape_str(Bm.shape()), ", ",
           shape_str(Cm.shape()), ", ", shape_str(D.shape()));
  const DType dt = u.dtype();
  for (const Variable* v : {&delta, &A, &Bm, &Cm, &D})
    SF_CHECK(v->dtype() == dt && v->device().is_cpu(), "selective_scan: all inputs must be CPU ", dtype_name(dt));
  SF_CHECK(options.chunk >= 1, "selective_scan: chunk must be >= 1, got ", options.chunk);
  Tensor uc = u.data().contiguous(), dc = delta.data().contiguous(), Ac = A.data().contiguous(),
         Bc = Bm.data().contiguous(), Cc = Cm.data().contiguous(), Dc = D.data().contiguous();
  const bool chunked = use_chunked(options, B, E);
  const int64_t chunk = std::max<int64_t>(1, std::min(options.chunk, L));
  Tensor y = empty({B, L, E}, dt);
  Tensor H0 = empty({B, (L + chunk - 1) / chunk, E, N}, dt);
  SF_DISPATCH_FLOAT(dt, "selective_scan", [&] {
    scan_forward(make_scan<scalar_t>(uc, dc, Ac, Bc, Cc, Dc, chunk), chunked, y.data<scalar_t>(),
                 H0.data<scalar_t>());
  });
  return record("selective_scan", y, {u, delta, A, Bm, Cm, D},
                [uc, dc, Ac, Bc, Cc, Dc, H0, chunk, chunked](const Tensor& grad) {
                  const Tensor g = grad.contiguous();
                  const int64_t B = uc.size(0), L = uc.size(1), E = uc.size(2), N = Ac.size(1);
                  const int64_t n_chunks = H0.size(1), n_blocks = (E + kEBlock - 1) / kEBlock;
                  const DType dt = uc.dtype();
                  Tensor du = empty({B, L, E}, dt), dd = empty({B, L, E}, dt);
                  Tensor dBp = empty({n_blocks, B, L, N}, dt), dCp = empty({n_blocks, B, L, N}, dt);
                  Tensor dAp = empty({B * n_chunks, E, N}, dt), dDp = empty({B * n_chunks, E}, dt);
                  SF_DISPATCH_FLOAT(dt, "selective_scan backward", [&] {
                    Grads<scalar_t> o{g.data<scalar_t>(),   du.data<scalar_t>(),  dd.data<scalar_t>(),
                                      dBp.data<scalar_t>(), dCp.data<scalar_t>(), dAp.data<scalar_t>(),
                                      dDp.data<scalar_t>()};
                    scan_backward(make_scan<scalar_t>(uc, dc, Ac, Bc, Cc, Dc, chunk), chunked,
                                  H0.data<scalar_t>(), o);
                  });
                  return std::vector<Tensor>{du, dd, sum(dAp, {0}), sum(dBp, {0}), sum(dCp, {0}), sum(dDp, {0})};
                });
}

Tensor selective_scan_step(Tensor& h, const Tensor& u_t, const Tensor& delta_t, const Tensor& A, const Tensor& Bm_t,
                           const Tensor& Cm_t, const Tensor& D) {
  const Tensor d = delta_t.unsqueeze(-1);  // (B, E, 1)
  h = unary(UnaryOp::exp, d * A) * h + (d * u_t.unsqueeze(-1)) * Bm_t.unsqueeze(1);
  return sum(h * Cm_t.unsqueeze(1), {-1}) + D * u_t;
}

}  // namespace sf
