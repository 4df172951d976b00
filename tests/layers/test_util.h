// Helpers for the layer tests: random tensors, parameter lookup and tiny configs.
#pragma once
#include <gtest/gtest.h>

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

}  // namespace sf::test
