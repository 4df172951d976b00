// model.init: how the weights that the model config owns are drawn (token and position embeddings, the
// untied head, attention and MLP projections). Mixers that follow their reference's own inits (Mamba,
// S4, GAM, M2, the RNNs) keep them under either scheme.
//   gpt2 (nanoGPT): weights N(0, init_std²), a projection into the residual stream (attention's wo, the
//     MLP's last layer) N(0, (init_std/√(2·n_layer))²), biases 0, embeddings N(0, init_std²);
//   pytorch (torch.nn defaults, the baselines of the GAM paper's benchmark.py): Linear weight and bias
//     U(±1/√fan_in), Embedding N(0, 1); a token embedding tied to the head has the head's Linear init
//     U(±1/√D), since tying assigns the head's weight to the embedding.
#pragma once
#include "config/run_config.h"
#include "layers/module.h"

namespace sf {

Init linear_weight_init(const ModelConfig& c, int64_t fan_in, bool into_residual);
Init linear_bias_init(const ModelConfig& c, int64_t fan_in);
Init token_embedding_init(const ModelConfig& c);  // tied or not per model.tie_embeddings
Init position_embedding_init(const ModelConfig& c);

}  // namespace sf
