// SequenceModel: the language model assembled from a ModelConfig (GPT-2 layout, as nanoGPT `model.py`):
// token embedding (+ learned or sinusoidal positions) → dropout → n_layer blocks (mixer by name
// from the registry: model.mixer, or model.layers[i] for a hybrid stack; layers/transformer_block.h)
// → final norm → LM head, tied to the token embedding unless tie_embeddings = false. Parameter names: wte, wpe (pos = learned), blocks.<i>.{norm1, mixer,
// norm2, mlp}, norm_f, lm_head (untied only).
//
// Parameters are zeros until init_parameters(seed) (GPT-2 init, see the layers) or
// load_state_dict(). `dtype` is the parameter and activation type (float64 for gradchecks).
#pragma once
#include <memory>
#include <vector>

#include "config/run_config.h"
#include "layers/dropout.h"
#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/model.h"
#include "layers/module_list.h"
#include "layers/norm.h"
#include "layers/transformer_block.h"

namespace sf {

class SequenceModel : public Model {
 public:
  // config.vocab_size must be > 0 (the trainer fills it from the tokenizer).
  explicit SequenceModel(const ModelConfig& config, DType dtype = DType::f32);

  // Integer tokens (B, L) -> logits (B, L, V). With learned positions L ≤ block_size; with the others,
  // longer inputs attend over a sliding window of block_size tokens (causal_self_attention.h).
  Variable forward(const Tensor& tokens) override;
  // Mean next-token cross-entropy of the logits against int targets (B, L) (loss(tokens, targets): of forward(tokens)).
  Variable criterion(const Variable& logits, const Tensor& targets) const override;
  double throughput_items(const Tensor& tokens) const override { return static_cast<double>(tokens.numel()); }

  // Generation one token at a time, when every block's mixer has a recurrent form (Mixer::step: RNNs and
  // SSMs carry a state, attention its KV cache): tokens (B) at position `pos` -> logits (B, V), equal to
  // forward()'s row `pos` over the tokens so far, at O(1) cost per token for the recurrent mixers and
  // O(min(pos, block_size)·D) per attention block. `state` (one entry per block) starts empty; call with
  // pos = 0, 1, ... in eval mode. Learned positions allow pos < block_size only.
  bool has_step() const;

  // The mixers' diagnostics of the last forward (Mixer::diagnostics), each key's largest value over
  // the blocks, in the order the keys first appear.
  Mixer::Diagnostics diagnostics() const override;
  Tensor step(const Tensor& tokens, int64_t pos, std::vector<std::vector<Tensor>>& state);

  const ModelConfig& config() const { return config_; }
  DType dtype() const { return dtype_; }

 protected:
  void on_device_change(Device device) override;

 private:
  ModelConfig config_;
  DType dtype_;
  std::shared_ptr<Embedding> wte_, wpe_;  // wpe only for pos = learned
  Tensor sinusoidal_;                     // (block_size, D) for pos = sinusoidal
  std::shared_ptr<Dropout> drop_;
  std::vector<std::shared_ptr<TransformerBlock>> blocks_;
  std::shared_ptr<Norm> norm_f_;
  std::shared_ptr<Linear> lm_head_;  // null when tied
};

}  // namespace sf
