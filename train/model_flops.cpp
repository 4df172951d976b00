#include "train/model_flops.h"

#include <algorithm>

#include "layers/sequence_model.h"

namespace sf {

FlopsPerToken flops_per_token(const SequenceModel& model, int64_t context) {
  const ModelConfig& c = model.config();
  FlopsPerToken f;
  f.matmul_params = model.num_parameters();
  for (const auto& [name, p] : model.named_parameters())
    if (name == "wpe.weight" || (name == "wte.weight" && !c.tie_embeddings)) f.matmul_params -= p.numel();
  for (int64_t layer = 0; layer < c.n_layer; ++layer) f.attention_layers += c.mixer_of(layer) == "attention";
  const int64_t keys = c.attn_window > 0 ? std::min(context, c.attn_window) : context;
  f.forward = 2.0 * static_cast<double>(f.matmul_params) +
              4.0 * static_cast<double>(f.attention_layers * c.n_embd * keys);
  f.training = 3.0 * f.forward;
  return f;
}

}  // namespace sf
