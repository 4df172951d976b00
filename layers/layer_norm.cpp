#include "layers/layer_norm.h"

#include "autograd/functions.h"

namespace sf {

LayerNorm::LayerNorm(int64_t dim, double eps, bool bias, DType dtype) : eps_(eps) {
  SF_CHECK(dim > 0 && eps > 0, "LayerNorm: need dim > 0 and eps > 0, got dim ", dim, ", eps ", eps);
  weight_ = register_parameter("weight", {dim}, Init::ones(), dtype);
  if (bias) bias_ = register_parameter("bias", {dim}, Init::zeros(), dtype);
}

Variable LayerNorm::forward(const Variable& x) const {
  Variable centred = x - mean(x, {-1}, true);
  Variable y = centred * rsqrt(mean(square(centred), {-1}, true) + eps_) * weight_;
  return bias_.defined() ? y + bias_ : y;
}

}  // namespace sf
