// Shared by the adapter tests: a small GPT, its logits, and adapter sections.
#pragma once
#include <memory>

#include "config/adapter_config.h"
#include "layers/sequence_model.h"
#include "tests/layers/test_util.h"

namespace sf::test {

inline ModelConfig adapter_model_config(int64_t n_layer = 2, int64_t d = 16) {
  ModelConfig c;
  c.n_layer = n_layer;
  c.n_head = 2;
  c.n_embd = d;
  c.block_size = 8;
  c.vocab_size = 11;
  return c;
}

inline std::shared_ptr<SequenceModel> base_model(const ModelConfig& c, uint64_t seed = 7) {
  auto m = std::make_shared<SequenceModel>(c);
  m->init_parameters(seed);
  return m;
}

inline AdapterConfig lora_config(std::vector<std::string> targets = {"qv"}, int64_t rank = 4) {
  AdapterConfig a;
  a.kind = AdapterKind::lora;
  a.targets = std::move(targets);
  a.rank = rank;
  return a;
}

inline AdapterConfig nola_config(std::vector<std::string> targets = {"qv"}, int64_t k = 10, int64_t l = 6) {
  AdapterConfig a;
  a.kind = AdapterKind::nola;
  a.targets = std::move(targets);
  a.rank = 2;
  a.alpha = 2;
  a.nola.num_basis_a = k;
  a.nola.num_basis_b = l;
  a.nola.chunk = 3;
  return a;
}

inline Tensor logits(SequenceModel& m, uint64_t seed = 3) {
  NoGradGuard no_grad;
  return m.forward(random_tokens(2, 8, 11, seed)).data();
}

// Every trainable parameter (the adapters') set to N(0, scale²), so that the update is not zero.
inline void randomise_trainable(Module& m, uint64_t seed, double scale = 0.3) {
  for (auto& p : m.parameters())
    if (p.requires_grad()) p.mutable_data().copy_(randn(p.shape(), seed++) * scale);
}

}  // namespace sf::test
