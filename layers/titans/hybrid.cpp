#include "layers/titans/hybrid.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/titans/persistent.h"

namespace sf {

TitansHybrid::TitansHybrid(Kind kind, const ModelConfig& c, DType dtype) : kind_(kind) {
  SF_CHECK(c.pos != PosKind::alibi, "titans_mag / titans_mal: model.pos alibi is not supported (use rope, or an ",
           "embedding-level learned / sinusoidal / none)");
  const int64_t D = c.n_embd, n_persistent = c.section<TitansConfig>().persistent;
  memory_ = register_module("memory", std::make_shared<MemoryBranch>(c, dtype));
  attention_ = register_module("attention", std::make_shared<CausalSelfAttention>(c, dtype, n_persistent));
  norm_a_ = register_module("norm_a", std::make_shared<RMSNorm>(D, 1e-5, dtype));
  if (kind_ == Kind::gate) {
    norm_b_ = register_module("norm_b", std::make_shared<RMSNorm>(D, 1e-5, dtype));
    out_ = register_module("out", std::make_shared<Linear>(
                                      D, D, false, Init::uniform(1.0 / std::sqrt(static_cast<double>(D * c.n_layer))), dtype));
  }
  if (n_persistent > 0) persistent_ = register_parameter("persistent", {n_persistent, D}, Init::normal(0.02), dtype);
}

Variable TitansHybrid::forward(const Variable& x) {
  const Variable xp = with_persistent(persistent_, x);
  const Variable m = memory_->forward(xp);
  if (kind_ == Kind::layer) return without_persistent(persistent_, attention_->forward(norm_a_->forward(m)));
  const Variable y = attention_->forward(xp);
  return without_persistent(persistent_, out_->forward(norm_a_->forward(y) * sigmoid(norm_b_->forward(m))));
}

std::shared_ptr<Mixer> make_titans_mag(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<TitansHybrid>(TitansHybrid::Kind::gate, config, dtype);
}
std::shared_ptr<Mixer> make_titans_mal(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<TitansHybrid>(TitansHybrid::Kind::layer, config, dtype);
}

}  // namespace sf
