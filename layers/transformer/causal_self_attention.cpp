#include "layers/transformer/causal_self_attention.h"

#include <algorithm>
#include <cmath>

#include "autograd/functions.h"
#include "layers/transformer/attention_core.h"
#include "layers/transformer/kv_cache.h"
#include "layers/weight_init.h"

namespace sf {

CausalSelfAttention::CausalSelfAttention(const ModelConfig& c, DType dtype, int64_t prefix)
    : n_head_(c.n_head),
      head_dim_(c.n_head > 0 ? c.n_embd / c.n_head : 0),
      window_(c.attn_window > 0 ? std::min(c.attn_window, c.block_size) : c.block_size),
      prefix_(prefix),
      pos_(c.pos),
      rope_base_(c.rope_base) {
  SF_CHECK(c.n_head > 0 && c.n_embd % c.n_head == 0, "attention: model.n_embd (", c.n_embd,
           ") must be a positive multiple of model.n_head (", c.n_head, ")");
  SF_CHECK(pos_ != PosKind::rope || head_dim_ % 2 == 0, "attention: pos = rope needs an even head size, got ",
           head_dim_);
  const int64_t d = c.n_embd;
  wqkv_ = register_module("wqkv", std::make_shared<Linear>(d, 3 * d, c.bias, linear_weight_init(c, d, false), dtype,
                                                           linear_bias_init(c, d)));
  wqkv_->set_output_parts({"q", "k", "v"});  // adapters target the slices (layers/adapters/)
  wo_ = register_module("wo", std::make_shared<Linear>(d, d, c.bias, linear_weight_init(c, d, true), dtype,
                                                       linear_bias_init(c, d)));
  if (pos_ == PosKind::rope) rope_ = rope_tables(c.block_size, head_dim_, rope_base_, dtype);
}

Variable CausalSelfAttention::forward(const Variable& x) { return forward(x, prefix_); }

Variable CausalSelfAttention::forward(const Variable& x, int64_t prefix) {
  SF_CHECK(x.dim() == 3 && x.size(2) == n_head_ * head_dim_, "attention: input must be (B, L, ",
           n_head_ * head_dim_, "), got ", shape_str(x.shape()));
  const int64_t batch = x.size(0), length = x.size(1), d = x.size(2);
  Variable qkv = wqkv_->forward(x);  // (B, L, 3D)
  auto head = [&](int64_t i) {       // (B, L, D) slice i of qkv -> (B, H, L, d_h)
    return transpose(reshape(narrow(qkv, 2, i * d, d), {batch, length, n_head_, head_dim_}), 1, 2);
  };
  Variable q = head(0), k = head(1), v = head(2);
  Tensor bias;
  if (pos_ == PosKind::rope) {
    const RopeTables tables =
        length <= rope_.cos.size(0) ? rope_ : rope_tables(length, head_dim_, rope_base_, x.dtype());
    q = apply_rope(q, tables);
    k = apply_rope(k, tables);
  } else if (pos_ == PosKind::alibi) {
    bias = alibi_bias(n_head_, length, x.dtype());
  }
  Variable o = attention_core(q, k, v, bias, {.window = window_, .prefix = prefix});  // (B, H, L, d_h)
  return wo_->forward(reshape(transpose(o, 1, 2), {batch, length, d}));
}

Tensor CausalSelfAttention::step(const Tensor& x_t, int64_t pos, std::vector<Tensor>& state) {
  SF_CHECK(x_t.dim() == 2 && x_t.size(1) == n_head_ * head_dim_, "attention: step input must be (B, ",
           n_head_ * head_dim_, "), got ", shape_str(x_t.shape()));
  SF_CHECK(prefix_ == 0, "attention: no recurrent form with a persistent prefix");
  NoGradGuard no_grad;
  const int64_t batch = x_t.size(0), d = x_t.size(1);
  const Tensor qkv = wqkv_->forward(Variable(x_t)).data();  // (B, 3D)
  auto head = [&](int64_t i) { return qkv.narrow(1, i * d, d).reshape({batch, n_head_, 1, head_dim_}); };
  Tensor q = head(0), k = head(1), bias;
  if (pos_ == PosKind::rope) {
    const RopeTables row = pos < rope_.cos.size(0)
                               ? RopeTables{rope_.cos.narrow(0, pos, 1), rope_.sin.narrow(0, pos, 1)}
                               : rope_tables(1, head_dim_, rope_base_, x_t.dtype(), pos);
    q = apply_rope(Variable(q), row).data();
    k = apply_rope(Variable(k), row).data();
  }
  const KvCacheView cache = kv_cache_append(state, k, head(2), pos, window_);
  if (pos_ == PosKind::alibi) bias = alibi_bias(n_head_, kv_cache_distances(pos, window_), x_t.dtype());
  const Tensor o = attention_step(q, cache.k, cache.v, bias);  // (B, H, 1, d_h)
  return wo_->forward(Variable(o.reshape({batch, d}))).data();
}

std::shared_ptr<Mixer> make_attention(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<CausalSelfAttention>(config, dtype);
}

}  // namespace sf
