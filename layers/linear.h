// Linear: y = x W^T + b, weight (out, in), optional bias (zeros at init unless bias_init says otherwise).
// Runs the module hooks (layers/module.h): adapters and optimizer statistics attach here.
#pragma once
#include "layers/module.h"

namespace sf {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias, Init weight_init, DType dtype = DType::f32,
         Init bias_init = Init::zeros());

  Variable forward(const Variable& x) const;  // (..., in) -> (..., out)
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  // undefined without bias

 private:
  Variable weight_;
  Variable bias_;
};

}  // namespace sf
