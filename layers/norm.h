// Normalisation over the last dim: the interface shared by LayerNorm and RMSNorm, and the factory
// that picks one from the config's `norm`.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/module.h"

namespace sf {

class Norm : public Module {
 public:
  virtual Variable forward(const Variable& x) const = 0;  // (..., dim) -> (..., dim)
};

// LayerNorm (with a bias when `bias`) or RMSNorm (never a bias), over `dim` features.
std::shared_ptr<Norm> make_norm(NormKind kind, int64_t dim, double eps, bool bias, DType dtype);

}  // namespace sf
