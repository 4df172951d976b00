// Helpers for the layer tests: random tensors, parameter lookup, tiny configs, relative comparisons,
// leaves of a module and causality probes.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "config/run_config.h"
#include "core/rng.h"
#include "layers/module.h"
#include "tests/random.h"

namespace sf::test {

inline Tensor random_tokens(int64_t batch, int64_t length, int64_t vocab, uint64_t seed) {
  std::vector<int64_t> v(static_cast<size_t>(batch * length));
  for (size_t i = 0; i < v.size(); ++i) v[i] = rng_word(RngStream{seed, 0, 0x544F4B53}, int64_t(i)) % vocab;
  return from_vector<int64_t>(v, {batch, length});
}

// Overwrites every parameter with N(0, scale²) values, so that gradchecks do not start from the
// special point weight = 1, bias = 0.
inline void randomise(Module& m, uint64_t seed, double scale = 0.5) {
  for (auto& p : m.parameters()) p.mutable_data().copy_(randn(p.shape(), seed++) * scale);
}

inline Variable parameter(const Module& m, const std::string& name) {
  for (auto& [n, p] : m.named_parameters())
    if (n == name) return p;
  ADD_FAILURE() << "no parameter " << name;
  return Variable();
}

inline std::vector<std::string> names_of(const Module& m) {
  std::vector<std::string> out;
  for (auto& [n, p] : m.named_parameters()) out.push_back(n);
  return out;
}

// Feeds x (B, L, D) to a recurrent mixer's step() one token at a time from an empty state: output t
// must match row t of y (the mixer's forward on x) within tol.
template <class M>
void expect_steps_match(M& m, const Tensor& x, const Tensor& y, double tol) {
  std::vector<Tensor> state;
  for (int64_t t = 0; t < x.size(1); ++t)
    EXPECT_LE(max_abs_diff(m.step(x.select(1, t).contiguous(), t, state), y.select(1, t)), tol) << "t = " << t;
}

// The models whose attention steps with a KV cache past block_size: each relative positional scheme, and a
// hybrid stack of attention and Mamba blocks with RoPE.
struct KvCacheCase {
  const char* name;
  PosKind pos;
  std::vector<std::string> layers;  // empty: attention in every block
};
inline std::vector<KvCacheCase> kv_cache_cases() {
  return {{"rope", PosKind::rope, {}},
          {"alibi", PosKind::alibi, {}},
          {"none", PosKind::none, {}},
          {"hybrid attention+mamba, rope", PosKind::rope, {"attention", "mamba"}}};
}

inline ModelConfig tiny_config(PosKind pos = PosKind::learned) {
  ModelConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 8;
  c.block_size = 8;
  c.vocab_size = 7;
  c.pos = pos;
  return c;
}

// max |a − b| / max |b|: the error relative to the reference's scale.
inline double scaled_diff(const Tensor& a, const Tensor& b) {
  const Tensor bd = b.to(DType::f64);
  return max_abs_diff(a.to(DType::f64), bd) / std::max(1e-300, amax(unary(UnaryOp::abs, bd)).item<double>());
}

inline std::vector<Variable> leaves_of(const Module& m, const Variable& x) {
  std::vector<Variable> out{x};
  for (auto& p : m.parameters()) out.push_back(p);
  return out;
}

// Perturbs row t0 of x (B, L, D) and checks that f's rows < t0 move by at most `tol` (relative
// to the output scale) while some row ≥ t0 moves by at least 1e-6.
inline void expect_causal(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, int64_t t0, double tol) {
  const Tensor y = f(x);
  Tensor x2 = x.clone();
  Tensor row = x2.narrow(1, t0, 1);
  row.copy_(row + randn(row.shape(), 999, x.dtype()));
  const Tensor y2 = f(x2);
  const int64_t L = x.size(1);
  const double scale = amax(unary(UnaryOp::abs, y)).item<double>();
  if (t0 > 0) {
    EXPECT_LE(max_abs_diff(y.narrow(1, 0, t0), y2.narrow(1, 0, t0)), tol * scale) << "t0 = " << t0;
  }
  EXPECT_GE(max_abs_diff(y.narrow(1, t0, L - t0), y2.narrow(1, t0, L - t0)), 1e-6) << "t0 = " << t0;
}

}  // namespace sf::test
