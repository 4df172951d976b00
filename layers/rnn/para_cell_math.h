// Per-unit math of the ParaGRU and ParaLSTM cells (ParaRNN, Danieli et al. 2025; apple/ml-pararnn
// `rnn_cell/gru_diag_mh.py`, `lstm_cifg_diag_mh.py`): one step, its diagonal (GRU) or 2×2-block
// (LSTM) state Jacobian, and the vector-Jacobian product w.r.t. the gate inputs and the recurrent
// parameters. Written once for float and double; every kernel of the sequential loop, the Newton
// solver and the adjoint pass calls these, so they cannot drift apart.
//
// GRU gates [z, r, c]: u = B x + b (the input part), a = diagonal recurrent weights.
// LSTM gates [f, o, z], peepholes cp = [f, o]; the state is (c, h) and the output is h.
#pragma once
#include <cmath>

namespace sf::para_cell {

template <class T> inline T sigmoid(T x) { return T(1) / (T(1) + std::exp(-x)); }

// --- ParaGRU ---------------------------------------------------------------------------------
template <class T>
struct GruParams {
  T az, ar, ac;
};

template <class T>
inline T gru_step(T h, T uz, T ur, T uc, const GruParams<T>& p) {
  T z = sigmoid(p.az * h + uz), r = sigmoid(p.ar * h + ur);
  T c = std::tanh(p.ac * (h * r) + uc);
  return z * c + (T(1) - z) * h;
}

// h' and ∂h'/∂h.
template <class T>
inline T gru_step_jac(T h, T uz, T ur, T uc, const GruParams<T>& p, T* jac) {
  T z = sigmoid(p.az * h + uz), r = sigmoid(p.ar * h + ur);
  T c = std::tanh(p.ac * (h * r) + uc);
  *jac = (T(1) - z) + (c - h) * z * (T(1) - z) * p.az +
         z * (T(1) - c * c) * p.ac * (r + h * r * (T(1) - r) * p.ar);
  return z * c + (T(1) - z) * h;
}

// Backpropagates lambda = ∂loss/∂h' through one step with h held fixed: writes ∂/∂(uz, ur, uc) and
// adds ∂/∂(az, ar, ac) into ga.
template <class T>
inline void gru_vjp(T h, T uz, T ur, T uc, const GruParams<T>& p, T lambda, T* du_z, T* du_r, T* du_c, T* ga_z,
                    T* ga_r, T* ga_c) {
  T z = sigmoid(p.az * h + uz), r = sigmoid(p.ar * h + ur);
  T c = std::tanh(p.ac * (h * r) + uc);
  T dzh = lambda * (c - h) * z * (T(1) - z);
  T dch = lambda * z * (T(1) - c * c);
  T drh = dch * p.ac * h * r * (T(1) - r);
  *du_z = dzh;
  *du_r = drh;
  *du_c = dch;
  *ga_z += dzh * h;
  *ga_r += drh * h;
  *ga_c += dch * h * r;
}

// --- ParaLSTM (coupled input/forget gate, peepholes) ----------------------------------------------
template <class T>
struct LstmParams {
  T af, ao, az, pf, po;
};

template <class T>
inline void lstm_step(T c, T h, T uf, T uo, T uz, const LstmParams<T>& p, T* c_out, T* h_out) {
  T f = sigmoid(p.af * h + uf + p.pf * c), z = std::tanh(p.az * h + uz);
  T cn = f * c + (T(1) - f) * z;
  T o = sigmoid(p.ao * h + uo + p.po * cn);
  *c_out = cn;
  *h_out = o * std::tanh(cn);
}

// The step and its 2×2 Jacobian jac = [∂c'/∂c, ∂c'/∂h, ∂h'/∂c, ∂h'/∂h].
template <class T>
inline void lstm_step_jac(T c, T h, T uf, T uo, T uz, const LstmParams<T>& p, T* c_out, T* h_out, T jac[4]) {
  T f = sigmoid(p.af * h + uf + p.pf * c), z = std::tanh(p.az * h + uz);
  T cn = f * c + (T(1) - f) * z;
  T o = sigmoid(p.ao * h + uo + p.po * cn), tc = std::tanh(cn);
  T dfs = (c - z) * f * (T(1) - f);
  T jcc = f + dfs * p.pf;
  T jch = dfs * p.af + (T(1) - f) * (T(1) - z * z) * p.az;
  T dos = tc * o * (T(1) - o), dtc = o * (T(1) - tc * tc);
  jac[0] = jcc;
  jac[1] = jch;
  jac[2] = (dos * p.po + dtc) * jcc;
  jac[3] = dos * (p.ao + p.po * jch) + dtc * jch;
  *c_out = cn;
  *h_out = o * tc;
}

// Backpropagates (lc, lh) = ∂loss/∂(c', h') through one step with (c, h) held fixed: writes
// ∂/∂(uf, uo, uz) and adds ∂/∂(af, ao, az, pf, po) into g.
template <class T>
inline void lstm_vjp(T c, T h, T uf, T uo, T uz, const LstmParams<T>& p, T lc, T lh, T* du_f, T* du_o, T* du_z,
                     LstmParams<T>& g) {
  T f = sigmoid(p.af * h + uf + p.pf * c), z = std::tanh(p.az * h + uz);
  T cn = f * c + (T(1) - f) * z;
  T o = sigmoid(p.ao * h + uo + p.po * cn), tc = std::tanh(cn);
  T doh = lh * tc * o * (T(1) - o);
  T dcn = lc + lh * o * (T(1) - tc * tc) + doh * p.po;
  T dfh = dcn * (c - z) * f * (T(1) - f);
  T dzh = dcn * (T(1) - f) * (T(1) - z * z);
  *du_f = dfh;
  *du_o = doh;
  *du_z = dzh;
  g.af += dfh * h;
  g.ao += doh * h;
  g.az += dzh * h;
  g.pf += dfh * c;
  g.po += doh * cn;
}

}  // namespace sf::para_cell
