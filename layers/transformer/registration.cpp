// Causal self-attention (layers/registry.h). Its keys (n_head, pos, rope_base, attn_window) stay in ModelConfig:
// positions are also the embedding's, and recipes write them as model.n_head etc.
#include "layers/registry.h"
#include "layers/transformer/causal_self_attention.h"

namespace sf {

void register_transformer(MixerRegistrar& r) { r.mixer("attention", make_attention); }

}  // namespace sf
