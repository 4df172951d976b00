// RMSNorm: y = x / sqrt(mean(x²) + eps) ⊙ weight over the last dim; no bias. Weight starts at 1.
#pragma once
#include "layers/norm.h"

namespace sf {

class RMSNorm : public Norm {
 public:
  RMSNorm(int64_t dim, double eps = 1e-5, DType dtype = DType::f32);

  Variable forward(const Variable& x) const override;
  const Variable& weight() const { return weight_; }

 private:
  double eps_;
  Variable weight_;
};

}  // namespace sf
