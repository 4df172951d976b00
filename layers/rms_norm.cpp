#include "layers/rms_norm.h"

#include "autograd/functions.h"

namespace sf {

RMSNorm::RMSNorm(int64_t dim, double eps, DType dtype) : eps_(eps) {
  SF_CHECK(dim > 0 && eps > 0, "RMSNorm: need dim > 0 and eps > 0, got dim ", dim, ", eps ", eps);
  weight_ = register_parameter("weight", {dim}, Init::ones(), dtype);
}

Variable RMSNorm::forward(const Variable& x) const {
  return x * rsqrt(mean(square(x), {-1}, true) + eps_) * weight_;
}

}  // namespace sf
