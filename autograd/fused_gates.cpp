#include "autograd/fused_gates.h"

#include "core/cpu/vec_math.h"
#include "core/ops.h"

namespace sf {

Variable gated_pair(const Variable& g, const Variable& a, const Variable& b) {
  SF_CHECK(a.dim() >= 1 && a.shape() == b.shape() && g.dim() == a.dim() && g.size(-1) == 2 * a.size(-1),
           "gated_pair: g (..., 2n), a and b (..., n), got ", shape_str(g.shape()), ", ", shape_str(a.shape()), ", ",
           shape_str(b.shape()));
  SF_CHECK(g.data().device().is_cpu() && is_floating(g.dtype()) && a.dtype() == g.dtype() && b.dtype() == g.dtype(),
           "gated_pair: needs floating CPU tensors of one dtype");
  const Tensor gc = g.data().contiguous(), ac = a.data().contiguous(), bc = b.data().contiguous();
  const int64_t n = a.size(-1), rows = n == 0 ? 0 : ac.numel() / n;
  Tensor y = empty(a.shape(), a.dtype());
  SF_DISPATCH_FLOAT(g.dtype(), "gated_pair", [&] {
    cpu::gated_pair(gc.data<scalar_t>(), ac.data<scalar_t>(), bc.data<scalar_t>(), y.data<scalar_t>(), rows, n);
  });
  return record("gated_pair", y, {g, a, b}, [gc, ac, bc, rows, n](const Tensor& grad) {
    const Tensor d = grad.contiguous();
    Tensor dg = empty(gc.shape(), gc.dtype()), da = empty(ac.shape(), ac.dtype()), db = empty(bc.shape(), bc.dtype());
    SF_DISPATCH_FLOAT(gc.dtype(), "gated_pair backward", [&] {
      cpu::gated_pair_backward(d.data<scalar_t>(), gc.data<scalar_t>(), ac.data<scalar_t>(), bc.data<scalar_t>(),
                               dg.data<scalar_t>(), da.data<scalar_t>(), db.data<scalar_t>(), rows, n);
    });
    return std::vector<Tensor>{dg, da, db};
  });
}

}  // namespace sf
