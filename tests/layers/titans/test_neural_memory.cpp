// Titans' neural memory (layers/titans/neural_memory.h, spec mixers.md §6.5): the chunked dual form against
// the token-by-token recurrence (chunk 1: the paper's definition; chunk b: the same loop with the gradient
// point frozen at each chunk start), the chunk-end state against the last row, θ = 0, the inner step
// against autograd's gradient of the inner loss, and float64 gradchecks through the inner updates.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "layers/titans/neural_memory.h"
#include "tests/random.h"

namespace sf {
namespace {

constexpr int64_t kRows = 3, kWidth = 4, kHidden = 6;

struct Case {
  int64_t depth = 2;
  bool momentum = true, forget = true;
  MemoryActivation activation = MemoryActivation::gelu;
  bool after_write = true;
};

// Inputs of one memory call, as float64 tensors: q, k, v (N, L, d), the raw gate logits (N, L) and the
// initial weights; the gates are formed from the logits the way MemoryBranch forms them.
struct Inputs {
  Tensor q, k, v, z_theta, z_eta, z_alpha;
  std::vector<Tensor> weights;
};

Inputs make_inputs(const Case& c, int64_t L, uint64_t seed) {
  Inputs in;
  in.q = test::randn({kRows, L, kWidth}, seed) * 0.7;
  in.k = test::randn({kRows, L, kWidth}, seed + 1) * 0.7;
  in.v = test::randn({kRows, L, kWidth}, seed + 2);
  in.z_theta = test::randn({kRows, L}, seed + 3);
  in.z_eta = test::randn({kRows, L}, seed + 4);
  in.z_alpha = test::randn({kRows, L}, seed + 5) + (-1.0);
  for (int64_t l = 0; l < c.depth; ++l) {
    const int64_t a = l == 0 ? kWidth : kHidden, b = l + 1 == c.depth ? kWidth : kHidden;
    in.weights.push_back(test::randn({kRows, a, b}, seed + 10 + uint64_t(l)) * (1.0 / std::sqrt(double(a))));
  }
  return in;
}

MemoryRule rule_of(const Case& c, int64_t chunk) {
  MemoryRule r;
  r.activation = c.activation;
  r.grad_scale = 2.0 / kWidth;
  r.read_after_write = c.after_write;
  r.chunk = chunk;
  return r;
}

MemoryGates gates_of(const Case& c, const Variable& zt, const Variable& ze, const Variable& za) {
  MemoryGates g;
  g.theta = sigmoid(zt) * 0.5;
  if (c.momentum) g.log_momentum = -softplus(-ze);
  if (c.forget) g.log_decay = -softplus(za);
  return g;
}

using MemoryFn = MemoryResult (*)(const Variable&, const Variable&, const Variable&, const MemoryGates&,
                                  const MemoryState&, const MemoryRule&);

MemoryResult run(MemoryFn fn, const Case& c, const Inputs& in, const MemoryRule& rule) {
  MemoryState s;
  for (const Tensor& w : in.weights) s.weights.emplace_back(w);
  return fn(Variable(in.q), Variable(in.k), Variable(in.v),
            gates_of(c, Variable(in.z_theta), Variable(in.z_eta), Variable(in.z_alpha)), s, rule);
}

void expect_same(const MemoryResult& a, const MemoryResult& b, double tol, const std::string& what) {
  EXPECT_LE(max_abs_diff(a.y.data(), b.y.data()), tol) << what << ": reads";
  ASSERT_EQ(a.state.weights.size(), b.state.weights.size());
  for (size_t l = 0; l < a.state.weights.size(); ++l)
    EXPECT_LE(max_abs_diff(a.state.weights[l].data(), b.state.weights[l].data()), tol) << what << ": weights " << l;
  ASSERT_EQ(a.state.momentum.size(), b.state.momentum.size()) << what;
  for (size_t l = 0; l < a.state.momentum.size(); ++l)
    EXPECT_LE(max_abs_diff(a.state.momentum[l].data(), b.state.momentum[l].data()), tol) << what << ": momentum " << l;
}

std::vector<std::pair<std::string, Case>> cases() {
  std::vector<std::pair<std::string, Case>> out;
  for (int64_t depth : {1, 2, 3})
    for (bool momentum : {true, false})
      for (bool forget : {true, false})
        for (bool after_write : {true, false}) {
          Case c{depth, momentum, forget, MemoryActivation::gelu, after_write};
          out.emplace_back("depth " + std::to_string(depth) + (momentum ? "" : " no momentum") +
                               (forget ? "" : " no forgetting") + (after_write ? "" : " chunk-start read"),
                           c);
        }
  out.emplace_back("silu", Case{2, true, true, MemoryActivation::silu, true});
  return out;
}

TEST(NeuralMemory, DualFormWithChunkOneIsThePerTokenRecurrence) {
  for (const auto& [name, c] : cases()) {
    const Inputs in = make_inputs(c, 9, 1);
    expect_same(run(memory_dual_form, c, in, rule_of(c, 1)), run(memory_recurrence, c, in, rule_of(c, 1)), 1e-12, name);
  }
}

TEST(NeuralMemory, DualFormEqualsTheLoopWithTheGradientPointFrozenPerChunk) {
  for (int64_t chunk : {4, 16})
    for (int64_t L : {23, 37}) {  // not multiples of the chunk
      for (const auto& [name, c] : cases()) {
        const Inputs in = make_inputs(c, L, 20 + uint64_t(L));
        const MemoryResult dual = run(memory_dual_form, c, in, rule_of(c, chunk));
        expect_same(dual, run(memory_recurrence, c, in, rule_of(c, chunk)), 1e-11,
                    name + ", chunk " + std::to_string(chunk) + ", L " + std::to_string(L));
        // The frozen gradient point matters: chunk 1 (the definition) gives other reads.
        EXPECT_GT(max_abs_diff(dual.y.data(), run(memory_recurrence, c, in, rule_of(c, 1)).y.data()), 1e-6) << name;
      }
    }
}

TEST(NeuralMemory, ChunkEndStateIsTheMemoryTheLastRowReads) {
  // Read after write: row T of a chunk reads M_T, and the chunk-end formula gives M_T as the state.
  for (const auto& [name, c] : cases()) {
    if (!c.after_write) continue;
    for (int64_t L : {8, 5}) {  // one whole chunk of 8, one shorter
      const Inputs in = make_inputs(c, L, 40);
      const MemoryResult r = run(memory_dual_form, c, in, rule_of(c, 8));
      const Variable q_last = narrow(Variable(in.q), 1, L - 1, 1);
      EXPECT_LE(max_abs_diff(memory_read(r.state.weights, q_last, c.activation).data(), r.y.data().narrow(1, L - 1, 1)),
                1e-12)
          << name << ", L " << L;
    }
  }
}

TEST(NeuralMemory, ZeroStepSizeWithoutForgettingLeavesTheMemoryConstant) {
  Case c;
  c.forget = false;
  Inputs in = make_inputs(c, 13, 50);
  in.z_theta = full({kRows, 13}, -1e4, DType::f64);  // σ → 0: θ = 0
  for (MemoryFn fn : {memory_dual_form, memory_recurrence}) {
    const MemoryResult r = run(fn, c, in, rule_of(c, 4));
    for (size_t l = 0; l < in.weights.size(); ++l) EXPECT_EQ(max_abs_diff(r.state.weights[l].data(), in.weights[l]), 0.0);
    std::vector<Variable> w0(in.weights.begin(), in.weights.end());
    EXPECT_EQ(max_abs_diff(r.y.data(), memory_read(w0, Variable(in.q), c.activation).data()), 0.0);
  }
}

TEST(NeuralMemory, TheWriteIsAGradientStepOnTheInnerLoss) {
  // One token, θ = 1, no momentum or forgetting: M_1 = M_0 − ∇ℓ(M_0; k, v), with ∇ℓ from autograd on
  // ℓ = (grad_scale / 2) ‖M(k) − v‖², independent of the hand-derived inner backward.
  for (int64_t depth : {1, 2, 3})
    for (MemoryActivation a : {MemoryActivation::gelu, MemoryActivation::silu}) {
      Case c;
      c.depth = depth;
      c.activation = a;
      const Inputs in = make_inputs(c, 1, 60 + uint64_t(depth));
      MemoryState s;
      std::vector<Variable> leaves;
      for (const Tensor& w : in.weights) {
        s.weights.emplace_back(w);
        leaves.emplace_back(w.clone(), true);
      }
      const MemoryRule rule = rule_of(c, 1);
      MemoryGates g;
      g.theta = Variable(ones({kRows, 1}, DType::f64));
      const MemoryResult r = memory_recurrence(Variable(in.q), Variable(in.k), Variable(in.v), g, s, rule);
      const Variable diff = memory_read(leaves, Variable(in.k), a) - Variable(in.v);
      (sum(square(diff)) * (rule.grad_scale / 2)).backward();
      for (size_t l = 0; l < leaves.size(); ++l)
        EXPECT_LE(max_abs_diff(in.weights[l] - r.state.weights[l].data(), leaves[l].grad()), 1e-13)
            << "depth " << depth << ", layer " << l;
    }
}

// The outer gradient through the inner updates: q, k, v, the gate logits and M_0 by finite differences.
void expect_gradcheck(const Case& c, int64_t chunk, const std::string& name) {
  const int64_t L = 6;
  const Inputs in = make_inputs(c, L, 70);
  std::vector<Tensor> leaves{in.q, in.k, in.v, in.z_theta, in.z_eta, in.z_alpha};
  leaves.insert(leaves.end(), in.weights.begin(), in.weights.end());
  const MemoryRule rule = rule_of(c, chunk);
  const GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& x) {
        MemoryState s;
        s.weights.assign(x.begin() + 6, x.end());
        const MemoryResult m = memory_dual_form(x[0], x[1], x[2], gates_of(c, x[3], x[4], x[5]), s, rule);
        std::vector<Variable> out{reshape(m.y, {-1})};
        for (const Variable& w : m.state.weights) out.push_back(reshape(w, {-1}));
        for (const Variable& w : m.state.momentum) out.push_back(reshape(w, {-1}));
        return cat(out, 0);
      },
      leaves);
  EXPECT_TRUE(r.ok) << name << "\n" << r.report;
}

TEST(NeuralMemory, GradcheckThroughTheInnerUpdates) {
  for (const auto& [name, c] : cases())
    if (c.depth <= 2) expect_gradcheck(c, 4, name);
  expect_gradcheck(Case{}, 1, "chunk 1");
  expect_gradcheck(Case{}, 16, "one chunk");
}

TEST(NeuralMemory, ChunkByChunkBackwardEqualsBackwardThroughTheWholeRecurrence) {
  // The dual form's backward rebuilds one chunk at a time; the recurrence records every token's graph.
  for (const auto& [name, c] : cases()) {
    const Inputs in = make_inputs(c, 19, 80);
    std::vector<std::vector<Tensor>> grads;
    for (MemoryFn fn : {memory_dual_form, memory_recurrence}) {
      std::vector<Variable> x{Variable(in.q, true), Variable(in.k, true), Variable(in.v, true),
                              Variable(in.z_theta, true), Variable(in.z_eta, true), Variable(in.z_alpha, true)};
      MemoryState s;
      for (const Tensor& w : in.weights) s.weights.emplace_back(w, true);
      const MemoryResult m = fn(x[0], x[1], x[2], gates_of(c, x[3], x[4], x[5]), s, rule_of(c, 4));
      Variable loss = sum(m.y * Variable(test::randn(m.y.shape(), 81)));
      for (size_t l = 0; l < m.state.weights.size(); ++l)  // the end state's gradient enters too
        loss = loss + sum(m.state.weights[l] * Variable(test::randn(m.state.weights[l].shape(), 82 + l)));
      loss.backward();
      std::vector<Tensor> g;
      for (const Variable& v : x) g.push_back(c.momentum || &v != &x[4] ? v.grad() : Tensor());
      for (const Variable& w : s.weights) g.push_back(w.grad());
      grads.push_back(g);
    }
    for (size_t i = 0; i < grads[0].size(); ++i) {
      if (!grads[0][i].defined() && !grads[1][i].defined()) continue;
      ASSERT_TRUE(grads[0][i].defined() && grads[1][i].defined()) << name << ", input " << i;
      EXPECT_LE(max_abs_diff(grads[0][i], grads[1][i]), 1e-11) << name << ", input " << i;
    }
  }
}

TEST(NeuralMemory, RefusesMismatchedShapes) {
  const Case c;
  Inputs in = make_inputs(c, 5, 90);
  in.z_theta = test::randn({kRows, 4}, 91);
  EXPECT_THROW(run(memory_dual_form, c, in, rule_of(c, 4)), Error);
  in = make_inputs(c, 5, 92);
  in.weights.front() = test::randn({kRows, kWidth + 1, kHidden}, 93);
  EXPECT_THROW(run(memory_dual_form, c, in, rule_of(c, 4)), Error);
}

}  // namespace
}  // namespace sf
