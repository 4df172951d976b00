#include "autograd/fused_sin.h"

#include "core/cpu/vec_math.h"
#include "core/ops.h"

namespace sf {

Variable scaled_sin(const Variable& x, const Variable& w) {
  SF_CHECK(x.dim() >= 1 && w.dim() == 1 && x.size(-1) == w.size(0), "scaled_sin: x (..., n) and w (n), got ",
           shape_str(x.shape()), " and ", shape_str(w.shape()));
  SF_CHECK(x.data().device().is_cpu() && is_floating(x.dtype()) && w.dtype() == x.dtype(),
           "scaled_sin: needs floating CPU tensors of one dtype");
  const Tensor xc = x.data().contiguous(), wc = w.data().contiguous();
  const int64_t n = w.size(0), rows = n == 0 ? 0 : xc.numel() / n;
  Tensor y = empty(x.shape(), x.dtype());
  SF_DISPATCH_FLOAT(x.dtype(), "scaled_sin",
                    [&] { cpu::scaled_sin(xc.data<scalar_t>(), wc.data<scalar_t>(), y.data<scalar_t>(), rows, n); });
  return record("scaled_sin", y, {x, w}, [xc, wc, rows, n](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dx = empty(xc.shape(), xc.dtype()), dw = empty(wc.shape(), wc.dtype());
    SF_DISPATCH_FLOAT(xc.dtype(), "scaled_sin backward", [&] {
      cpu::scaled_sin_backward(g.data<scalar_t>(), xc.data<scalar_t>(), wc.data<scalar_t>(), dx.data<scalar_t>(),
                               dw.data<scalar_t>(), rows, n);
    });
    return std::vector<Tensor>{dx, dw};
  });
}

}  // namespace sf
