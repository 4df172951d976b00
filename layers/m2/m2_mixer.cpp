#include "layers/m2/m2_mixer.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/causal_conv.h"
#include "layers/m2/gated_long_conv.h"

namespace sf {

M2Mixer::M2Mixer(const ModelConfig& c, int64_t /*layer_index*/, DType dtype)
    : d_model_(c.n_embd),
      residual_(c.section<M2Config>().residual_long_conv),
      fft_(c.section<M2Config>().fft) {
  const M2Config& m2 = c.section<M2Config>();
  const int64_t D = d_model_;
  const Init linear = Init::uniform(1.0 / std::sqrt(static_cast<double>(D)));
  w_in_ = register_parameter("in_weight", {3 * D, D}, linear, dtype);
  b_in_ = register_parameter("in_bias", {3 * D}, linear, dtype);
  const Init conv = Init::uniform(1.0 / std::sqrt(static_cast<double>(m2.short_kernel)));
  conv_weight_ = register_parameter("conv_weight", {3 * D, m2.short_kernel}, conv, dtype);
  conv_bias_ = register_parameter("conv_bias", {3 * D}, conv, dtype);
  filter_ = register_module("filter", std::make_shared<ImplicitFilter>(D, c.block_size, m2, dtype));
  beta_ = register_parameter("beta", {D}, Init::normal(1.0), dtype);
  if (residual_) {
    filter2_ = register_module("filter2", std::make_shared<ImplicitFilter>(D, c.block_size, m2, dtype));
    beta2_ = register_parameter("beta2", {D}, Init::normal(1.0), dtype);
  }
  w_out_ = register_parameter("out_weight", {D, D}, linear, dtype);
  b_out_ = register_parameter("out_bias", {D}, linear, dtype);
}

Variable M2Mixer::forward(const Variable& u) {
  SF_CHECK(u.dim() == 3 && u.size(2) == d_model_, "m2: input must be (B, L, ", d_model_, "), got ",
           shape_str(u.shape()));
  const int64_t L = u.size(1);
  const Variable p = causal_conv(linear(u, w_in_, b_in_), conv_weight_, conv_bias_);  // (B, L, 3D)
  const Variable k = filter_->forward(L);
  const Variable r = residual_ ? u : Variable(), k2 = residual_ ? filter2_->forward(L) : Variable();
  const LongConv monarch = [this](const Variable& x, const Variable& f) { return monarch_.forward(x, f); };
  const Variable y = fft_ == M2Fft::monarch ? m2_gated_long_conv_composite(p, k, beta_, r, k2, beta2_, monarch)
                                            : m2_gated_long_conv(p, k, beta_, r, k2, beta2_);
  return linear(y, w_out_, b_out_);
}

std::shared_ptr<Mixer> make_m2(const ModelConfig& config, int64_t layer_index, DType dtype) {
  return std::make_shared<M2Mixer>(config, layer_index, dtype);
}

}  // namespace sf
