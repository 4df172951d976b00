// ParaRNN (Danieli et al. 2025, arXiv 2510.21450; reference apple/ml-pararnn): the ParaGRU /
// ParaLSTM recurrence over a whole sequence as one fused autograd op, computed either by the
// sequential loop or by Newton's method on the system F(h)_l = h_l − f(h_{l−1}, x_l) = 0, each
// Newton step a linear recurrence with the cell's diagonal (GRU) or 2×2-block (LSTM) Jacobian
// solved by the chunked parallel scan (layers/rnn/linear_scan.h).
//
// Both modes share one backward: the adjoint recurrence λ_l = g_l + J_{l+1}^T λ_{l+1} at the
// solution (Jacobians recomputed there), solved by the same scan in reversed time (parallel mode)
// or step by step (sequential mode, which is BPTT), then one parallel pass backpropagating λ_l
// through each cell step. Newton iterations are never differentiated.
#pragma once
#include <cstdint>

#include "autograd/variable.h"
#include "layers/rnn/rnn_config.h"

namespace sf {

enum class ParaCellKind { gru, lstm };

struct ParaRnnOptions {
  RnnMode mode = RnnMode::parallel;
  int64_t max_newton_iters = 6;
  double tol = 1e-6;  // stop once max_l |h_l − f(h_{l−1}, x_l)|_∞ <= tol
  int64_t chunk = 64;

  static ParaRnnOptions from(const RnnConfig& c) { return {c.mode, c.max_newton_iters, c.tol, c.chunk}; }
};

// What the last Newton solve did (parallel mode; sequential mode reports 0 iterations, residual 0).
struct NewtonStats {
  int64_t iterations = 0;  // Newton updates applied
  double residual = 0.0;   // max |h_l − f(h_{l−1}, x_l)| at the returned states
};

// u: gate inputs (B, L, 3, d) = B x_l + b, gates [z, r, c] (GRU) or [f, o, z] (LSTM); a: diagonal
// recurrent weights (3, d) in the same gate order; cp: LSTM peepholes (2, d) = [f, o] (undefined for
// the GRU). h_0 = 0 (and c_0 = 0). Returns the hidden states h_1..h_L as (B, L, d).
Variable para_rnn(ParaCellKind kind, const Variable& u, const Variable& a, const Variable& cp,
                  const ParaRnnOptions& options, NewtonStats* stats = nullptr);

// One step for generation, without autograd: u_t (B, 3, d); state (B, d) for the GRU, (B, 2, d) =
// [c; h] for the LSTM, updated in place. Returns h_t (B, d).
Tensor para_rnn_step(ParaCellKind kind, const Tensor& u_t, const Tensor& a, const Tensor& cp, Tensor& state);

}  // namespace sf
