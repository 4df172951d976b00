#include "layers/norm.h"

#include "layers/layer_norm.h"
#include "layers/rms_norm.h"

namespace sf {

std::shared_ptr<Norm> make_norm(NormKind kind, int64_t dim, double eps, bool bias, DType dtype) {
  switch (kind) {
    case NormKind::layernorm: return std::make_shared<LayerNorm>(dim, eps, bias, dtype);
    case NormKind::rmsnorm: return std::make_shared<RMSNorm>(dim, eps, dtype);
  }
  throw Error("make_norm: unknown norm kind");
}

}  // namespace sf
