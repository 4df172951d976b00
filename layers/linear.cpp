#include "layers/linear.h"

#include "autograd/functions.h"

namespace sf {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Init weight_init, DType dtype, Init bias_init) {
  SF_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in ", in_features, ", out ",
           out_features);
  weight_ = register_parameter("weight", {out_features, in_features}, weight_init, dtype);
  if (bias) bias_ = register_parameter("bias", {out_features}, std::move(bias_init), dtype);
}

Variable Linear::forward(const Variable& x) const {
  Variable y = linear(x, weight_, bias_);
  return has_hooks() ? run_hooks(x, std::move(y)) : y;
}

}  // namespace sf
