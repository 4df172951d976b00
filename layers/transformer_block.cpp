#include "layers/transformer_block.h"

#include "autograd/functions.h"
#include "layers/registry.h"

namespace sf {

TransformerBlock::TransformerBlock(const ModelConfig& c, int64_t layer_index, DType dtype)
    : bare_(c.block == BlockKind::bare) {
  if (bare_) {  // x <- Mixer(x): nothing around the mixer
    mixer_ = register_module("mixer", make_mixer(c.mixer_of(layer_index), c, layer_index, dtype));
    return;
  }
  norm1_ = register_module("norm1", make_norm(c.norm, c.n_embd, c.norm_eps, c.bias, dtype));
  mixer_ = register_module("mixer", make_mixer(c.mixer_of(layer_index), c, layer_index, dtype));
  if (c.residual_scale) residual_scale_ = register_parameter("residual_scale", {c.n_embd}, Init::ones(), dtype);
  if (c.block == BlockKind::transformer && c.mlp != MlpKind::none) {
    norm2_ = register_module("norm2", make_norm(c.norm, c.n_embd, c.norm_eps, c.bias, dtype));
    mlp_ = register_module("mlp", std::make_shared<Mlp>(c, dtype));
  }
  drop_ = register_module("drop", std::make_shared<Dropout>(c.dropout));
}

Variable TransformerBlock::around_mixer(const Variable& x, const Variable& mixed) {
  const Variable skip = residual_scale_.defined() ? x * residual_scale_ : x;
  Variable h = skip + (mixer_->dropout_on_output() ? drop_->forward(mixed) : mixed);
  if (!mlp_) return h;
  return h + drop_->forward(mlp_->forward(norm2_->forward(h)));
}

Variable TransformerBlock::forward(const Variable& x) {
  if (bare_) return mixer_->forward(x);
  return around_mixer(x, mixer_->forward(norm1_->forward(x)));
}

Tensor TransformerBlock::step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  const Variable x(x_t);
  if (bare_) return mixer_->step(x_t, pos, state);
  return around_mixer(x, Variable(mixer_->step(norm1_->forward(x).data(), pos, state))).data();
}

}  // namespace sf
