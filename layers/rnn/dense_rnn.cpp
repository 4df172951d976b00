#include "layers/rnn/dense_rnn.h"

#include <cmath>

#include "autograd/function.h"
#include "core/ops.h"
#include "core/parallel.h"

namespace sf {

namespace {

template <class T> inline T sigm(T x) { return T(1) / (T(1) + std::exp(-x)); }

// Batch rows per task of the per-step cell kernels: at least ~8k elements, else one thread.
inline int64_t row_grain(int64_t H) { return std::max<int64_t>(1, 8192 / H); }

// One step of the cell for B rows: gh = h_prev W_hh^T + b_hh already computed. Writes h, c (LSTM)
// and what backward needs: the activated gates (act, G·H per row) and, for the GRU, W_hn h + b_hn.
template <class T>
void cell_forward(DenseCellKind kind, const T* gx, const T* gh, const T* h_prev, const T* c_prev, T* h, T* c,
                  T* act, int64_t B, int64_t H) {
  const int64_t G = dense_gates(kind);
  parallel_for(B, row_grain(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T *x = gx + b * G * H, *r = gh + b * G * H, *hp = h_prev + b * H;
      T* a = act + b * G * H;
      if (kind == DenseCellKind::lstm) {
        const T* cp = c_prev + b * H;
        for (int64_t j = 0; j < H; ++j) {
          T i = sigm(x[j] + r[j]), f = sigm(x[H + j] + r[H + j]);
          T g = std::tanh(x[2 * H + j] + r[2 * H + j]), o = sigm(x[3 * H + j] + r[3 * H + j]);
          T cn = f * cp[j] + i * g;
          a[j] = i, a[H + j] = f, a[2 * H + j] = g, a[3 * H + j] = o;
          c[b * H + j] = cn;
          h[b * H + j] = o * std::tanh(cn);
        }
      } else {
        for (int64_t j = 0; j < H; ++j) {
          T rr = sigm(x[j] + r[j]), z = sigm(x[H + j] + r[H + j]);
          T n = std::tanh(x[2 * H + j] + rr * r[2 * H + j]);
          a[j] = rr, a[H + j] = z, a[2 * H + j] = n;
          h[b * H + j] = (T(1) - z) * n + z * hp[j];
        }
      }
    }
  });
}

// Backward of one step for B rows: dh = ∂loss/∂h_t (total), dc = ∂loss/∂c_t from the future (LSTM;
// replaced by ∂loss/∂c_{t−1}). Writes the pre-activation gradients dgx (input part) and dgh
// (recurrent part; the same for the LSTM) and dh_direct = the part of ∂loss/∂h_{t−1} not through
// W_hh (GRU: dh ⊙ z; LSTM: 0).
template <class T>
void cell_backward(DenseCellKind kind, const T* act, const T* gh, const T* h_prev, const T* c_prev, const T* c,
                   const T* dh, T* dc, T* dgx, T* dgh, T* dh_direct, int64_t B, int64_t H) {
  const int64_t G = dense_gates(kind);
  parallel_for(B, row_grain(H), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const T* a = act + b * G * H;
      T *gx = dgx + b * G * H, *gr = dgh + b * G * H;
      for (int64_t j = 0; j < H; ++j) {
        const int64_t e = b * H + j;
        if (kind == DenseCellKind::lstm) {
          T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j], tc = std::tanh(c[e]);
          T dct = dc[e] + dh[e] * o * (T(1) - tc * tc);
          gx[j] = dct * g * i * (T(1) - i);
          gx[H + j] = dct * c_prev[e] * f * (T(1) - f);
          gx[2 * H + j] = dct * i * (T(1) - g * g);
          gx[3 * H + j] = dh[e] * tc * o * (T(1) - o);
          dc[e] = dct * f;
          dh_direct[e] = T(0);
        } else {
          T r = a[j], z = a[H + j], n = a[2 * H + j];
          T dn = dh[e] * (T(1) - z) * (T(1) - n * n);
          gx[j] = dn * gh[b * G * H + 2 * H + j] * r * (T(1) - r);
          gx[H + j] = dh[e] * (h_prev[e] - n) * z * (T(1) - z);
          gx[2 * H + j] = dn;
          gr[j] = gx[j], gr[H + j] = gx[H + j], gr[2 * H + j] = dn * r;
          dh_direct[e] = dh[e] * z;
        }
      }
    }
  });
}

struct Saved {
  Tensor hs;   // (L + 1, B, H): h_{-1} = 0, h_0 .. h_{L−1}
  Tensor cs;   // (L + 1, B, H), LSTM only
  Tensor act;  // (L, B, G·H) activated gates
  Tensor gh;   // (L, B, G·H) h W_hh^T + b_hh (the GRU's backward needs its n part)
};

template <class T>
Saved run_forward(DenseCellKind kind, const Tensor& gxT, const Tensor& w_hh, const Tensor& b_hh, bool keep_gh) {
  const int64_t L = gxT.size(0), B = gxT.size(1), GH = gxT.size(2), H = w_hh.size(1);
  Saved s;
  s.hs = zeros({L + 1, B, H}, gxT.dtype());
  s.cs = kind == DenseCellKind::lstm ? zeros({L + 1, B, H}, gxT.dtype()) : Tensor();
  s.act = empty({L, B, GH}, gxT.dtype());
  s.gh = empty({keep_gh ? L : 1, B, GH}, gxT.dtype());
  for (int64_t t = 0; t < L; ++t) {
    Tensor gh = s.gh.select(0, keep_gh ? t : 0);
    gh.copy_(b_hh);
    gemm_(gh, s.hs.select(0, t), w_hh, false, true, 1.0, 1.0);
    const bool lstm = kind == DenseCellKind::lstm;
    cell_forward<T>(kind, gxT.data<T>() + t * B * GH, gh.data<T>(), s.hs.data<T>() + t * B * H,
                    lstm ? s.cs.data<T>() + t * B * H : nullptr, s.hs.data<T>() + (t + 1) * B * H,
                    lstm ? s.cs.data<T>() + (t + 1) * B * H : nullptr, s.act.data<T>() + t * B * GH, B, H);
  }
  return s;
}

// Returns dgx (L, B, G·H) time-major, dw_hh, db_hh.
template <class T>
std::vector<Tensor> run_backward(DenseCellKind kind, const Saved& s, const Tensor& gT, const Tensor& w_hh) {
  const int64_t L = s.act.size(0), B = s.act.size(1), GH = s.act.size(2), H = w_hh.size(1);
  const bool lstm = kind == DenseCellKind::lstm;
  Tensor dgx = empty({L, B, GH}, gT.dtype());
  Tensor dgh = lstm ? dgx : empty({L, B, GH}, gT.dtype());
  Tensor dh = zeros({B, H}, gT.dtype()), dc = zeros({B, H}, gT.dtype()), direct = empty({B, H}, gT.dtype());
  for (int64_t t = L - 1; t >= 0; --t) {
    axpy_(dh, gT.select(0, t));  // dh = ∂loss/∂h_t: its own output gradient plus the future's
    cell_backward<T>(kind, s.act.data<T>() + t * B * GH, lstm ? nullptr : s.gh.data<T>() + t * B * GH, s.hs.data<T>() + t * B * H,
                     lstm ? s.cs.data<T>() + t * B * H : nullptr, lstm ? s.cs.data<T>() + (t + 1) * B * H : nullptr,
                     dh.data<T>(), dc.data<T>(), dgx.data<T>() + t * B * GH, dgh.data<T>() + t * B * GH,
                     direct.data<T>(), B, H);
    dh.copy_(direct);
    gemm_(dh, dgh.select(0, t), w_hh, false, false, 1.0, 1.0);
  }
  Tensor dgh2 = dgh.view({L * B, GH});
  Tensor dw = matmul(dgh2, s.hs.narrow(0, 0, L).reshape({L * B, H}), /*trans_a=*/true);
  return {dgx, dw, sum(dgh2, {0})};
}

void check_inputs(DenseCellKind kind, const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh) {
  SF_CHECK(w_hh.dim() == 2 && w_hh.size(0) == dense_gates(kind) * w_hh.size(1),
           "dense_rnn: w_hh must be (G*H, H) with G = ", dense_gates(kind), ", got ", shape_str(w_hh.shape()));
  SF_CHECK(b_hh.shape() == Shape({w_hh.size(0)}), "dense_rnn: b_hh must be (", w_hh.size(0), "), got ", shape_str(b_hh.shape()));
  SF_CHECK(gx.size(-1) == w_hh.size(0), "dense_rnn: gx's last dim must be ", w_hh.size(0), ", got ", shape_str(gx.shape()));
  SF_CHECK(gx.dtype() == w_hh.dtype() && gx.dtype() == b_hh.dtype() &&
               (gx.dtype() == DType::f32 || gx.dtype() == DType::f64),
           "dense_rnn: gx, w_hh and b_hh must share a float dtype");
}

}  // namespace

int64_t dense_gates(DenseCellKind kind) { return kind == DenseCellKind::lstm ? 4 : 3; }

Variable dense_rnn(DenseCellKind kind, const Variable& gx_in, const Variable& w_hh_in, const Variable& b_hh_in) {
  const Tensor w = w_hh_in.data().contiguous(), bh = b_hh_in.data().contiguous();
  SF_CHECK(gx_in.dim() == 3, "dense_rnn: gx must be (B, L, G*H), got ", shape_str(gx_in.shape()));
  check_inputs(kind, gx_in.data(), w, bh);
  const Tensor gxT = gx_in.data().transpose(0, 1).contiguous();  // time-major: each step's rows are contiguous
  const bool grad = needs_grad({gx_in, w_hh_in, b_hh_in});
  const bool keep_gh = grad && kind == DenseCellKind::gru;
  Saved s = gxT.dtype() == DType::f64 ? run_forward<double>(kind, gxT, w, bh, keep_gh)
                                      : run_forward<float>(kind, gxT, w, bh, keep_gh);
  Tensor h = s.hs.narrow(0, 1, gxT.size(0)).transpose(0, 1).contiguous();
  if (!grad) return Variable(h);
  if (!keep_gh) s.gh = Tensor();
  return record(kind == DenseCellKind::lstm ? "lstm" : "gru", h, {gx_in, w_hh_in, b_hh_in},
                [kind, s, w](const Tensor& g) {
                  const Tensor gT = g.transpose(0, 1).contiguous();
                  std::vector<Tensor> out = gT.dtype() == DType::f64 ? run_backward<double>(kind, s, gT, w)
                                                                     : run_backward<float>(kind, s, gT, w);
                  out[0] = out[0].transpose(0, 1).contiguous();
                  return out;
                });
}

Tensor dense_rnn_step(DenseCellKind kind, const Tensor& gx_t, const Tensor& w_hh, const Tensor& b_hh,
                      std::vector<Tensor>& state) {
  const Tensor gx = gx_t.contiguous(), w = w_hh.contiguous();
  SF_CHECK(gx.dim() == 2, "dense_rnn_step: gx_t must be (B, G*H), got ", shape_str(gx.shape()));
  check_inputs(kind, gx, w, b_hh);
  const int64_t B = gx.size(0), H = w.size(1);
  const bool lstm = kind == DenseCellKind::lstm;
  SF_CHECK(state.size() == (lstm ? 2u : 1u), "dense_rnn_step: state must hold ", lstm ? "{h, c}" : "{h}");
  for (const Tensor& st : state)
    SF_CHECK(st.shape() == Shape({B, H}) && st.is_contiguous() && st.dtype() == gx.dtype(),
             "dense_rnn_step: each state tensor must be a contiguous (", B, ", ", H, ") tensor of gx's dtype");
  Tensor gh = empty({B, w.size(0)}, gx.dtype());
  gh.copy_(b_hh);
  gemm_(gh, state[0], w, false, true, 1.0, 1.0);
  Tensor h = empty({B, H}, gx.dtype()), c = lstm ? empty({B, H}, gx.dtype()) : Tensor(), act = empty_like(gh);
  auto go = [&](auto tag) {
    using T = decltype(tag);
    cell_forward<T>(kind, gx.data<T>(), gh.data<T>(), state[0].data<T>(), lstm ? state[1].data<T>() : nullptr,
                    h.data<T>(), lstm ? c.data<T>() : nullptr, act.data<T>(), B, H);
  };
  if (gx.dtype() == DType::f64)
    go(double{});
  else
    go(float{});
  state[0] = h;
  if (lstm) state[1] = c;
  return h;
}

}  // namespace sf
