// Dense LSTM and GRU with PyTorch's gate conventions (torch.nn.LSTM / GRU), as one fused autograd op
// per layer: the input part x W_ih^T + b_ih of all steps is one GEMM done by the caller (linear());
// this op runs the recurrence (one (B, H) × (H, G·H) GEMM per step plus a fused cell kernel) and
// backpropagates through time with the cell's hand-written backward; W_hh's gradient is one GEMM
// over all steps at the end.
//
// LSTM gates [i, f, g, o]: c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c').
// GRU gates [r, z, n]: n = tanh(x_n + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/variable.h"

namespace sf {

enum class DenseCellKind { lstm, gru };

int64_t dense_gates(DenseCellKind kind);  // 4 (LSTM) or 3 (GRU)

// gx (B, L, G·H) = x W_ih^T + b_ih, w_hh (G·H, H), b_hh (G·H); zero initial state. Returns h (B, L, H).
Variable dense_rnn(DenseCellKind kind, const Variable& gx, const Variable& w_hh, const Variable& b_hh);

// One step for generation, without autograd: gx_t (B, G·H). state = {h (B, H)} (GRU) or
// {h, c} (LSTM), zeros to start, updated in place. Returns h_t.
Tensor dense_rnn_step(DenseCellKind kind, const Tensor& gx_t, const Tensor& w_hh, const Tensor& b_hh,
                      std::vector<Tensor>& state);

}  // namespace sf
