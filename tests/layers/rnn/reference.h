// Naive references for the recurrent ops, composed from primitive autograd ops one time step at a
// time: the oracles of the fused kernels (their backward comes from autograd, not from our code).
#pragma once
#include <vector>

#include "autograd/functions.h"
#include "layers/rnn/dense_rnn.h"
#include "layers/rnn/pararnn.h"

namespace sf::test {

// ParaGRU / ParaLSTM as the plain sequential loop of the cell. u (B, L, 3, d), a (3, d), cp (2, d) -> h (B, L, d).
inline Variable para_rnn_reference(ParaCellKind kind, const Variable& u, const Variable& a, const Variable& cp) {
  const int64_t B = u.size(0), L = u.size(1), d = u.size(3);
  auto row = [](const Variable& m, int64_t k) { return select(m, 0, k); };
  Variable h(zeros({B, d}, u.dtype())), c(zeros({B, d}, u.dtype()));
  std::vector<Variable> out;
  for (int64_t l = 0; l < L; ++l) {
    Variable ut = select(u, 1, l);
    Variable u0 = select(ut, 1, 0), u1 = select(ut, 1, 1), u2 = select(ut, 1, 2);
    if (kind == ParaCellKind::gru) {
      Variable z = sigmoid(row(a, 0) * h + u0), r = sigmoid(row(a, 1) * h + u1);
      Variable cc = tanh(row(a, 2) * (h * r) + u2);
      h = z * cc + (-z + 1.0) * h;
    } else {
      Variable f = sigmoid(row(a, 0) * h + u0 + row(cp, 0) * c);
      Variable zz = tanh(row(a, 2) * h + u2);
      c = f * c + (-f + 1.0) * zz;
      Variable o = sigmoid(row(a, 1) * h + u1 + row(cp, 1) * c);
      h = o * tanh(c);
    }
    out.push_back(h);
  }
  return stack(out, 1);
}

// PyTorch's LSTM / GRU step by step. gx (B, L, G·H), w_hh (G·H, H), b_hh (G·H) -> h (B, L, H).
inline Variable dense_rnn_reference(DenseCellKind kind, const Variable& gx, const Variable& w_hh,
                                    const Variable& b_hh) {
  const int64_t B = gx.size(0), L = gx.size(1), H = w_hh.size(1);
  Variable h(zeros({B, H}, gx.dtype())), c(zeros({B, H}, gx.dtype()));
  std::vector<Variable> out;
  for (int64_t l = 0; l < L; ++l) {
    Variable x = select(gx, 1, l), r = linear(h, w_hh, b_hh);
    auto gate = [H](const Variable& v, int64_t k) { return narrow(v, 1, k * H, H); };
    if (kind == DenseCellKind::lstm) {
      Variable g = x + r;
      c = sigmoid(gate(g, 1)) * c + sigmoid(gate(g, 0)) * tanh(gate(g, 2));
      h = sigmoid(gate(g, 3)) * tanh(c);
    } else {
      Variable rr = sigmoid(gate(x, 0) + gate(r, 0)), z = sigmoid(gate(x, 1) + gate(r, 1));
      Variable n = tanh(gate(x, 2) + rr * gate(r, 2));
      h = (-z + 1.0) * n + z * h;
    }
    out.push_back(h);
  }
  return stack(out, 1);
}

}  // namespace sf::test
