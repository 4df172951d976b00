#include "layers/titans/neural_memory.h"

#include <limits>

#include "autograd/function.h"
#include "autograd/functions.h"
#include "layers/titans/state_update.h"

namespace sf {
namespace {

Variable activation(const Variable& x, MemoryActivation a) { return a == MemoryActivation::gelu ? gelu(x) : silu(x); }
Variable activation_grad(const Variable& x, MemoryActivation a) {
  return a == MemoryActivation::gelu ? gelu_grad(x) : silu_grad(x);
}

// The memory's forward pass on keys and the gradient of ℓ at each layer's output, token by token:
// ∂ℓ/∂weights[l] for token s is inputs[l][s]ᵀ grads[l][s].
struct KeyPass {
  std::vector<Variable> inputs, grads;
};
KeyPass key_pass(const std::vector<Variable>& w, const Variable& k, const Variable& v, const MemoryRule& rule) {
  const size_t depth = w.size();
  KeyPass p;
  std::vector<Variable> pre;
  p.inputs.push_back(k);
  for (size_t l = 0; l < depth; ++l) {
    pre.push_back(matmul(p.inputs.back(), w[l]));
    if (l + 1 < depth) p.inputs.push_back(activation(pre.back(), rule.activation));
  }
  p.grads.resize(depth);
  p.grads[depth - 1] = (pre[depth - 1] - v) * rule.grad_scale;
  for (size_t l = depth - 1; l-- > 0;)
    p.grads[l] = matmul(p.grads[l + 1], w[l + 1], false, true) * activation_grad(pre[l], rule.activation);
  return p;
}

// Per-row scalars (N, T) as (N, T, 1) or (N, 1, 1) factors.
Variable col(const Variable& x) { return unsqueeze(x, -1); }

// (T, T) with 1 above the diagonal: the entries (t, s), s > t, a token never sees.
Tensor future_mask(int64_t T) {
  std::vector<int32_t> m(static_cast<size_t>(T * T), 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t s = t + 1; s < T; ++s) m[t * T + s] = 1;
  return from_vector<int32_t>(m, {T, T});
}

// exp(x_t − x_s) for s ≤ t, 0 above the diagonal, from the cumulative sums x (N, T): the products of a
// gate over (s, t]. Every entry kept is ≤ 1 (x decreases), so no ratio of vanishing products appears.
Variable segment_products(const Variable& x, const Tensor& mask) {
  const Variable diff = unsqueeze(x, 2) - unsqueeze(x, 1);
  return exp(masked_fill(diff, mask, -std::numeric_limits<double>::infinity()));
}

// One chunk of the dual form. inputs: q, k, v, theta, log_decay, log_momentum (either may be undefined),
// then the depth weights and, with momentum, the depth momenta at the chunk start. Returns y, then the state
// at the chunk end in the same order.
std::vector<Variable> dual_chunk(const std::vector<Variable>& in, size_t depth, const MemoryRule& rule) {
  const Variable &q = in[0], &k = in[1], &v = in[2], &theta = in[3], &log_decay = in[4], &log_momentum = in[5];
  const std::vector<Variable> w0(in.begin() + 6, in.begin() + 6 + static_cast<long>(depth));
  const bool momentum = log_momentum.defined();
  const std::vector<Variable> s0 =
      momentum ? std::vector<Variable>(in.begin() + 6 + static_cast<long>(depth), in.end()) : std::vector<Variable>();
  const int64_t T = q.size(1);
  const Tensor mask = future_mask(T);

  // A[t, τ] = Π_{(τ, t]} (1 − α), β_t = Π_{[1, t]} (1 − α); B[τ, s] = Π_{(s, τ]} η.
  Variable A, beta;
  if (log_decay.defined()) {
    const Variable a = cumsum(log_decay, 1);
    A = segment_products(a, mask);
    beta = exp(a);
  } else {
    A = Variable(masked_fill(ones({T, T}, q.dtype()), mask, 0.0));
  }
  // C[t, s] = θ_s Σ_τ A[t, τ] B[τ, s]: the weight of u_s in M_t; cS_t = Σ_τ A[t, τ] E_τ that of S⁰.
  Variable C, cS, w_end, E_end;
  const Variable theta_row = unsqueeze(theta, 1);
  if (momentum) {
    const Variable e = cumsum(log_momentum, 1);
    const Variable B = segment_products(e, mask);
    const Variable E = exp(e);
    C = matmul(A, B) * theta_row;
    cS = matmul(A, col(E));
    w_end = select(B, 1, T - 1) * theta;  // θ_s Π_{(s, T]} η: the weight of u_s in S at the chunk end
    E_end = select(E, 1, T - 1);
  } else {
    C = A * theta_row;
  }

  const KeyPass kp = key_pass(w0, k, v, rule);
  Variable y;
  if (rule.read_after_write) {
    Variable aq = q;
    for (size_t l = 0; l < depth; ++l) {
      Variable h = matmul(aq, w0[l]);
      if (beta.defined()) h = h * col(beta);
      if (momentum) h = h + cS * matmul(aq, s0[l]);
      h = h - matmul(matmul(aq, kp.inputs[l], false, true) * C, kp.grads[l]);
      aq = l + 1 < depth ? activation(h, rule.activation) : h;
    }
    y = aq;
  } else {
    y = memory_read(w0, q, rule.activation);
  }

  std::vector<Variable> out{y};
  const Variable c_end = select(C, 1, T - 1);  // (N, T): the weight of u_s in the chunk-end memory
  const Variable beta_end = beta.defined() ? select(beta, 1, T - 1) : Variable();
  const Variable cS_end = momentum ? reshape(select(cS, 1, T - 1), {q.size(0)}) : Variable();
  for (size_t l = 0; l < depth; ++l)
    out.push_back(memory_state_update(w0[l], beta_end, momentum ? s0[l] : Variable(), cS_end, kp.inputs[l], c_end,
                                      kp.grads[l]));
  if (momentum)
    for (size_t l = 0; l < depth; ++l)
      out.push_back(memory_state_update(s0[l], E_end, Variable(), Variable(), kp.inputs[l], w_end, kp.grads[l]));
  return out;
}

// The scan's inputs: q, k, v, theta, log_decay, log_momentum, then the state (weights, then momenta).
constexpr size_t kSeq = 6;

Variable slice(const Variable& x, int64_t start, int64_t length) {
  return x.defined() ? narrow(x, 1, start, length) : Variable();
}

void check_shapes(const Variable& q, const Variable& k, const Variable& v, const MemoryGates& g, const MemoryState& s) {
  SF_CHECK(q.dim() == 3 && k.shape() == q.shape() && v.dim() == 3 && v.size(0) == q.size(0) && v.size(1) == q.size(1),
           "neural memory: q, k (N, L, d_in) and v (N, L, d_out) expected, got ", shape_str(q.shape()), ", ",
           shape_str(k.shape()), ", ", shape_str(v.shape()));
  const Shape rows{q.size(0), q.size(1)};
  for (const Variable* gate : {&g.theta, &g.log_decay, &g.log_momentum})
    SF_CHECK(!gate->defined() || gate->shape() == rows, "neural memory: gates must be (N, L) = ", shape_str(rows),
             ", got ", shape_str(gate->shape()));
  SF_CHECK(g.theta.defined(), "neural memory: theta is required");
  SF_CHECK(!s.weights.empty() && s.weights.front().size(1) == q.size(2) && s.weights.back().size(2) == v.size(2),
           "neural memory: weights must map d_in = ", q.size(2), " to d_out = ", v.size(2));
  SF_CHECK(s.momentum.empty() || s.momentum.size() == s.weights.size(), "neural memory: one momentum per weight");
}

}  // namespace

Variable memory_read(const std::vector<Variable>& weights, const Variable& q, MemoryActivation a) {
  Variable h = q;
  for (size_t l = 0; l < weights.size(); ++l) {
    h = matmul(h, weights[l]);
    if (l + 1 < weights.size()) h = activation(h, a);
  }
  return h;
}

MemoryResult memory_dual_form(const Variable& q, const Variable& k, const Variable& v, const MemoryGates& gates,
                              const MemoryState& initial, const MemoryRule& rule) {
  check_shapes(q, k, v, gates, initial);
  const size_t depth = initial.weights.size();
  const bool momentum = gates.log_momentum.defined();
  const int64_t N = q.size(0), L = q.size(1), d_out = v.size(2), chunk = rule.chunk;
  // Inputs of the scan: the per-token sequences, then the state the first chunk starts from.
  std::vector<Variable> inputs{q, k, v, gates.theta, gates.log_decay, gates.log_momentum};
  inputs.insert(inputs.end(), initial.weights.begin(), initial.weights.end());
  if (momentum)
    for (size_t l = 0; l < depth; ++l)
      inputs.push_back(initial.momentum.empty() ? Variable(zeros(initial.weights[l].shape(), q.dtype(), q.device()))
                                                : initial.momentum[l]);
  std::vector<Shape> state_shapes;
  for (size_t i = kSeq; i < inputs.size(); ++i) state_shapes.push_back(inputs[i].shape());

  // One chunk from tensors: sequences sliced at [start, start + T), the state given.
  auto chunk_inputs = [](const std::vector<Tensor>& seq, const std::vector<Tensor>& state, int64_t start, int64_t T,
                             const std::vector<bool>& wants) {
    std::vector<Variable> in;
    for (size_t i = 0; i < kSeq; ++i)
      in.push_back(seq[i].defined() ? Variable(seq[i].narrow(1, start, T), wants[i]) : Variable());
    for (size_t j = 0; j < state.size(); ++j) in.emplace_back(state[j], wants[kSeq + j]);
    return in;
  };

  std::vector<Tensor> seq, state;
  for (size_t i = 0; i < inputs.size(); ++i) (i < kSeq ? seq : state).push_back(inputs[i].defined() ? inputs[i].data() : Tensor());
  std::vector<std::vector<Tensor>> starts;  // the state at each chunk start: all that backward keeps
  std::vector<Tensor> ys;
  {
    NoGradGuard no_grad;
    const std::vector<bool> none(inputs.size(), false);
    for (int64_t start = 0; start < L; start += chunk) {
      const int64_t T = std::min(chunk, L - start);
      starts.push_back(state);
      const std::vector<Variable> out = dual_chunk(chunk_inputs(seq, state, start, T, none), depth, rule);
      ys.push_back(out[0].data());
      for (size_t j = 0; j < state.size(); ++j) state[j] = out[1 + j].data();
    }
  }
  std::vector<Tensor> flat{cat(ys, 1).reshape({N, L * d_out})};
  for (const Tensor& t : state) flat.push_back(t.reshape({N, -1}));
  const Tensor out = cat(flat, 1);

  std::vector<bool> wants;
  for (const Variable& in : inputs) wants.push_back(in.requires_grad());
  // Backward, chunk by chunk from the last: rebuild the chunk's graph from its start state, backpropagate the
  // gradient of its reads and of its end state, and carry the gradient of its start state to the chunk before.
  const Variable packed = record(
      "titans_memory", out, inputs,
      [seq, starts = std::move(starts), wants, depth, rule, N, L, d_out, chunk, chunk_inputs,
       state_shapes](const Tensor& g) {
        EnableGradGuard recording;
        const Tensor g_y = g.narrow(1, 0, L * d_out).reshape({N, L, d_out});
        std::vector<Tensor> g_state;
        int64_t at = L * d_out;
        for (const Shape& shape : state_shapes) {
          const int64_t n = shape[1] * shape[2];
          g_state.push_back(g.narrow(1, at, n).reshape(shape));
          at += n;
        }
        std::vector<Tensor> grads(wants.size());
        for (size_t i = 0; i < kSeq; ++i)
          if (wants[i]) grads[i] = zeros(seq[i].shape(), seq[i].dtype(), seq[i].device());
        std::vector<bool> chunk_wants(wants);
        for (size_t j = kSeq; j < wants.size(); ++j) chunk_wants[j] = true;  // later chunks' states depend on every input
        for (int64_t c = static_cast<int64_t>(starts.size()) - 1; c >= 0; --c) {
          const int64_t start = c * chunk, T = std::min(chunk, L - start);
          std::vector<bool> w = c == 0 ? wants : chunk_wants;
          const std::vector<Variable> in = chunk_inputs(seq, starts[c], start, T, w);
          std::vector<Tensor> g_out{g_y.narrow(1, start, T)};
          g_out.insert(g_out.end(), g_state.begin(), g_state.end());
          backward(dual_chunk(in, depth, rule), g_out);
          for (size_t i = 0; i < kSeq; ++i)
            if (wants[i] && in[i].grad().defined()) grads[i].narrow(1, start, T).copy_(in[i].grad());
          for (size_t j = 0; j < g_state.size(); ++j) {
            const Variable& s = in[kSeq + j];
            g_state[j] = s.grad().defined() ? s.grad() : zeros(s.shape(), s.dtype(), s.device());
          }
        }
        for (size_t j = 0; j < g_state.size(); ++j)
          if (wants[kSeq + j]) grads[kSeq + j] = g_state[j];
        return grads;
      });

  MemoryResult result;
  result.y = reshape(narrow(packed, 1, 0, L * d_out), {N, L, d_out});
  int64_t at = L * d_out;
  for (size_t j = 0; j < state_shapes.size(); ++j) {
    const int64_t n = state_shapes[j][1] * state_shapes[j][2];
    (j < depth ? result.state.weights : result.state.momentum).push_back(reshape(narrow(packed, 1, at, n), state_shapes[j]));
    at += n;
  }
  return result;
}

MemoryCursor memory_cursor(const MemoryState& initial) {
  MemoryCursor c;
  c.state = initial;
  c.grad_point = initial.weights;
  return c;
}

Variable memory_token(const Variable& q_t, const Variable& k_t, const Variable& v_t, const MemoryGates& g,
                      MemoryCursor& c, const MemoryRule& rule) {
  const KeyPass kp = key_pass(c.grad_point, k_t, v_t, rule);
  const Variable theta = col(g.theta);  // (N, 1, 1)
  const bool momentum = g.log_momentum.defined();
  if (!momentum) c.state.momentum.clear();
  for (size_t l = 0; l < c.state.weights.size(); ++l) {
    const Variable u = matmul(kp.inputs[l], kp.grads[l], true, false);
    Variable s = -(theta * u);
    if (momentum) {
      if (c.state.momentum.size() <= l) c.state.momentum.resize(c.state.weights.size());
      if (c.state.momentum[l].defined()) s = s + c.state.momentum[l] * col(exp(g.log_momentum));
      c.state.momentum[l] = s;
    }
    Variable& w = c.state.weights[l];
    w = (g.log_decay.defined() ? w * col(exp(g.log_decay)) : w) + s;
  }
  const Variable y = memory_read(rule.read_after_write ? c.state.weights : c.grad_point, q_t, rule.activation);
  if (++c.tokens % rule.chunk == 0) c.grad_point = c.state.weights;
  return y;
}

MemoryResult memory_recurrence(const Variable& q, const Variable& k, const Variable& v, const MemoryGates& gates,
                               const MemoryState& initial, const MemoryRule& rule) {
  check_shapes(q, k, v, gates, initial);
  MemoryCursor c = memory_cursor(initial);
  std::vector<Variable> ys;
  for (int64_t t = 0; t < q.size(1); ++t) {
    const MemoryGates g{slice(gates.theta, t, 1), slice(gates.log_decay, t, 1), slice(gates.log_momentum, t, 1)};
    ys.push_back(memory_token(slice(q, t, 1), slice(k, t, 1), slice(v, t, 1), g, c, rule));
  }
  return {cat(ys, 1), c.state};
}

}  // namespace sf
