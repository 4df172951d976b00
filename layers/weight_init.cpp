#include "layers/weight_init.h"

#include <cmath>

namespace sf {
namespace {

Init fan_in_uniform(int64_t fan_in) { return Init::uniform(1.0 / std::sqrt(static_cast<double>(fan_in))); }

}  // namespace

Init linear_weight_init(const ModelConfig& c, int64_t fan_in, bool into_residual) {
  if (c.init == InitKind::pytorch) return fan_in_uniform(fan_in);
  return Init::normal(into_residual ? c.init_std / std::sqrt(2.0 * static_cast<double>(c.n_layer)) : c.init_std);
}

Init linear_bias_init(const ModelConfig& c, int64_t fan_in) {
  return c.init == InitKind::pytorch ? fan_in_uniform(fan_in) : Init::zeros();
}

Init token_embedding_init(const ModelConfig& c) {
  if (c.init == InitKind::gpt2) return Init::normal(c.init_std);
  return c.tie_embeddings ? fan_in_uniform(c.n_embd) : Init::normal(1.0);
}

Init position_embedding_init(const ModelConfig& c) {
  return c.init == InitKind::pytorch ? Init::normal(1.0) : Init::normal(c.init_std);
}

}  // namespace sf
