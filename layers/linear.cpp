#include "layers/linear.h"

#include <algorithm>

#include "autograd/functions.h"

namespace sf {

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, Init weight_init, DType dtype, Init bias_init) {
  SF_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in ", in_features, ", out ",
           out_features);
  weight_ = register_parameter("weight", {out_features, in_features}, weight_init, dtype);
  if (bias) bias_ = register_parameter("bias", {out_features}, std::move(bias_init), dtype);
}

void Linear::set_output_parts(std::vector<std::string> names) {
  const auto n = static_cast<int64_t>(names.size());
  SF_CHECK(n > 0 && out_features() % n == 0, "Linear: ", n, " output parts do not divide out_features ",
           out_features());
  parts_ = std::move(names);
}

std::pair<int64_t, int64_t> Linear::part_rows(const std::string& name) const {
  const auto it = std::find(parts_.begin(), parts_.end(), name);
  SF_CHECK(it != parts_.end(), "Linear: no output part '", name, "'");
  const int64_t rows = out_features() / static_cast<int64_t>(parts_.size());
  return {rows * (it - parts_.begin()), rows};
}

Variable Linear::forward(const Variable& x) const {
  Variable y = linear(x, weight_, bias_);
  return has_hooks() ? run_hooks(x, std::move(y)) : y;
}

}  // namespace sf
