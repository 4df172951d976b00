// Titans' neural long-term memory (Behrouz, Zhong, Mirrokni 2025, arXiv 2501.00663; spec mixers.md §6.1–6.3),
// as functions of N independent rows (batch × heads). The memory is an MLP without biases, weights[l]
// (N, in_l, out_l) for l = 0..depth−1 (depth 1: one d × d matrix, the "linear memory"), read as
// M(q) = φ(q W_0) W_1 (φ between layers only). Each token writes it with a gradient step on
// ℓ = ‖M(k) − v‖² (scaled: g_o = grad_scale · (M(k) − v)):
//   u_t = ∇_M ℓ(M_grad; k_t, v_t),   S_t = η_t S_{t−1} − θ_t u_t,   M_t = (1 − α_t) M_{t−1} + S_t
// and reads y_t = M_t(q_t) (read after write) or y_t = M_grad(q_t) (read at chunk start), where the
// gradient point M_grad is frozen at the start of each chunk of `chunk` tokens (chunk 1: the paper's
// per-token definition; larger: mini-batch gradient descent, TTT's trick that makes a chunk all GEMMs).
//
// memory_dual_form computes a chunk at once (§6.2): with β_t = Π(1 − α), the in-chunk memories are
// M_t = β_t M⁰ + c^S_t S⁰ − Σ_{s≤t} C[t, s] u_s, and every read is a matmul. All of it is built from
// differentiable ops, the inner gradient included (φ' is an op whose own derivative is φ''), so the outer
// loss trains whatever produced q, k, v, the gates and the initial memory. The whole scan is one recorded
// op that keeps its inputs and the state at each chunk start, nothing else: backward rebuilds one chunk's
// graph at a time from its start state, last chunk first, so activation memory is O(L (d + h) + L/b · d h)
// and backward's cost is linear in L.
// memory_recurrence is the same rule token by token: the reference the dual form is tested against,
// and (through memory_token) generation's step.
#pragma once
#include <vector>

#include "autograd/variable.h"
#include "layers/titans/titans_config.h"

namespace sf {

struct MemoryRule {
  MemoryActivation activation = MemoryActivation::gelu;
  double grad_scale = 2.0;       // 2 for ℓ summed over the width, 2 / d for its mean
  bool read_after_write = true;  // false: every token of a chunk reads the memory as the chunk began
  int64_t chunk = 16;
};

// Per-token scalars, each (N, L): theta ≥ 0, the step size; log_decay = log(1 − α), undefined for no
// forgetting; log_momentum = log η, undefined for no momentum (then S is not carried at all).
struct MemoryGates {
  Variable theta, log_decay, log_momentum;
};

// weights as above; momentum S of the same shapes, empty for zero.
struct MemoryState {
  std::vector<Variable> weights, momentum;
};

struct MemoryResult {
  Variable y;  // (N, L, d_out)
  MemoryState state;  // after the last token
};

// M(q) for q (N, T, d_in) -> (N, T, d_out).
Variable memory_read(const std::vector<Variable>& weights, const Variable& q, MemoryActivation activation);

// q, k (N, L, d_in), v (N, L, d_out); L need not be a multiple of rule.chunk.
MemoryResult memory_dual_form(const Variable& q, const Variable& k, const Variable& v, const MemoryGates& gates,
                              const MemoryState& initial, const MemoryRule& rule);
MemoryResult memory_recurrence(const Variable& q, const Variable& k, const Variable& v, const MemoryGates& gates,
                               const MemoryState& initial, const MemoryRule& rule);

// One token of the recurrence (generation): the state, the frozen gradient point and the count of tokens seen.
struct MemoryCursor {
  MemoryState state;
  std::vector<Variable> grad_point;  // the memory at the start of the current chunk
  int64_t tokens = 0;
};
MemoryCursor memory_cursor(const MemoryState& initial);
// q_t, k_t (N, 1, d_in), v_t (N, 1, d_out); gates (N, 1) -> y_t (N, 1, d_out).
Variable memory_token(const Variable& q_t, const Variable& k_t, const Variable& v_t, const MemoryGates& gates_t,
                      MemoryCursor& cursor, const MemoryRule& rule);

}  // namespace sf
