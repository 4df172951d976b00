#include "layers/sequence_model.h"

#include <algorithm>

#include "autograd/functions.h"
#include "layers/transformer/positional.h"
#include "layers/weight_init.h"

namespace sf {

SequenceModel::SequenceModel(const ModelConfig& c, DType dtype) : config_(c), dtype_(dtype) {
  SF_CHECK(c.vocab_size > 0, "SequenceModel: model.vocab_size must be > 0 (it is set from the tokenizer), got ",
           c.vocab_size);
  SF_CHECK(c.n_layer > 0 && c.n_embd > 0 && c.block_size > 0, "SequenceModel: model.n_layer (", c.n_layer,
           "), model.n_embd (", c.n_embd, ") and model.block_size (", c.block_size, ") must be positive");
  SF_CHECK(c.layers.empty() || static_cast<int64_t>(c.layers.size()) == c.n_layer, "SequenceModel: model.layers names ",
           c.layers.size(), " mixers for model.n_layer = ", c.n_layer, " blocks");
  wte_ = register_module("wte", std::make_shared<Embedding>(c.vocab_size, c.n_embd, token_embedding_init(c), dtype));
  if (c.pos == PosKind::learned)
    wpe_ = register_module("wpe",
                           std::make_shared<Embedding>(c.block_size, c.n_embd, position_embedding_init(c), dtype));
  if (c.pos == PosKind::sinusoidal) sinusoidal_ = sinusoidal_table(c.block_size, c.n_embd, dtype);
  drop_ = register_module("drop", std::make_shared<Dropout>(c.dropout));
  auto blocks = register_module("blocks", std::make_shared<ModuleList>());
  for (int64_t i = 0; i < c.n_layer; ++i)
    blocks_.push_back(blocks->push_back(std::make_shared<TransformerBlock>(c, i, dtype)));
  norm_f_ = register_module("norm_f", make_norm(c.norm, c.n_embd, c.norm_eps, c.bias, dtype));
  if (!c.tie_embeddings)
    lm_head_ = register_module("lm_head", std::make_shared<Linear>(c.n_embd, c.vocab_size, false,
                                                                   linear_weight_init(c, c.n_embd, false), dtype));
}

Variable SequenceModel::forward(const Tensor& tokens) {
  SF_CHECK(tokens.dim() == 2 && (tokens.dtype() == DType::i64 || tokens.dtype() == DType::i32),
           "SequenceModel: tokens must be an int tensor (B, L), got ", dtype_name(tokens.dtype()), " ",
           shape_str(tokens.shape()));
  const int64_t length = tokens.size(1);
  Variable x = wte_->forward(tokens);  // (B, L, D)
  if (wpe_) {
    SF_CHECK(length <= config_.block_size, "SequenceModel: input length ", length,
             " exceeds model.block_size ", config_.block_size, " (learned positions have no row beyond it)");
    x = x + wpe_->forward(arange(length));
  } else if (sinusoidal_.defined()) {
    x = x + Variable(length <= sinusoidal_.size(0) ? sinusoidal_.narrow(0, 0, length)
                                                   : sinusoidal_table(length, config_.n_embd, dtype_));
  }
  x = drop_->forward(x);
  for (auto& block : blocks_) x = block->forward(x);
  x = norm_f_->forward(x);
  return lm_head_ ? lm_head_->forward(x) : linear(x, wte_->weight());
}

bool SequenceModel::has_step() const {
  for (const auto& block : blocks_)
    if (!block->has_step()) return false;
  return true;
}

Mixer::Diagnostics SequenceModel::diagnostics() const {
  Mixer::Diagnostics out;
  for (const auto& block : blocks_)
    for (const auto& entry : block->diagnostics()) {  // not a structured binding: clang 14 cannot capture one
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == entry.first; });
      if (it == out.end()) {
        out.push_back(entry);
      } else {
        it->second = std::max(it->second, entry.second);
      }
    }
  return out;
}

Tensor SequenceModel::step(const Tensor& tokens, int64_t pos, std::vector<std::vector<Tensor>>& state) {
  SF_CHECK(has_step(), "SequenceModel::step: a mixer of this model has no recurrent form (",
           config_.layers.empty() ? config_.mixer : value_text(config_.layers), ")");
  SF_CHECK(tokens.dim() == 1, "SequenceModel::step: tokens must be (B), got ", shape_str(tokens.shape()));
  NoGradGuard no_grad;
  Tensor x = wte_->forward(tokens).data();  // (B, D)
  if (wpe_) {
    SF_CHECK(pos < config_.block_size, "SequenceModel: position ", pos, " exceeds model.block_size ",
             config_.block_size, " (learned positions have no row beyond it)");
    x = x + wpe_->weight().data().select(0, pos);
  } else if (sinusoidal_.defined()) {
    x = x + (pos < sinusoidal_.size(0) ? sinusoidal_ : sinusoidal_table(pos + 1, config_.n_embd, dtype_)).select(0, pos);
  }
  state.resize(blocks_.size());
  for (size_t i = 0; i < blocks_.size(); ++i) x = blocks_[i]->step(x, pos, state[i]);
  const Variable h = norm_f_->forward(Variable(x));
  return (lm_head_ ? lm_head_->forward(h) : linear(h, wte_->weight())).data();
}

Variable SequenceModel::criterion(const Variable& logits, const Tensor& targets) const {
  return cross_entropy(logits, targets);
}

void SequenceModel::on_device_change(Device device) { move_to_device(sinusoidal_, device); }

}  // namespace sf
