// LayerNorm: y = (x − mean) / sqrt(var + eps) ⊙ weight (+ bias), statistics over the last dim
// (biased variance, as PyTorch). Weight starts at 1, bias at 0.
#pragma once
#include "layers/norm.h"

namespace sf {

class LayerNorm : public Norm {
 public:
  LayerNorm(int64_t dim, double eps = 1e-5, bool bias = true, DType dtype = DType::f32);

  Variable forward(const Variable& x) const override;
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  // undefined without bias

 private:
  double eps_;
  Variable weight_;
  Variable bias_;
};

}  // namespace sf
