#include "layers/layer_norm.h"

#include "autograd/fused_norm.h"

namespace sf {

LayerNorm::LayerNorm(int64_t dim, double eps, bool bias, DType dtype) : eps_(eps) {
  SF_CHECK(dim > 0 && eps > 0, "LayerNorm: need dim > 0 and eps > 0, got dim ", dim, ", eps ", eps);
  weight_ = register_parameter("weight", {dim}, Init::ones(), dtype);
  if (bias) bias_ = register_parameter("bias", {dim}, Init::zeros(), dtype);
}

Variable LayerNorm::forward(const Variable& x) const {
  return layer_norm(x, weight_, bias_, eps_);  // fused; the composite is its oracle in tests
}

}  // namespace sf
