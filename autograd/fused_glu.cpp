#include "autograd/fused_glu.h"

#include "core/cpu/vec_math.h"
#include "core/ops.h"

namespace sf {

Variable gelu_glu(const Variable& h, bool tanh_approx) {
  SF_CHECK(h.dim() >= 1 && h.size(-1) % 2 == 0, "gelu_glu: the last dim must be even, got ", shape_str(h.shape()));
  SF_CHECK(h.data().device().is_cpu() && is_floating(h.dtype()), "gelu_glu: needs a floating CPU tensor");
  const Tensor hc = h.data().contiguous();
  const int64_t F = h.size(-1) / 2, rows = hc.numel() / std::max<int64_t>(2 * F, 1);
  Shape shape = h.shape();
  shape.back() = F;
  Tensor y = empty(shape, h.dtype());
  SF_DISPATCH_FLOAT(h.dtype(), "gelu_glu", [&] {
    cpu::gelu_glu(hc.data<scalar_t>(), y.data<scalar_t>(), rows, F, tanh_approx);
  });
  return record("gelu_glu", y, {h}, [hc, rows, F, tanh_approx](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dh = empty(hc.shape(), hc.dtype());
    SF_DISPATCH_FLOAT(hc.dtype(), "gelu_glu backward", [&] {
      cpu::gelu_glu_backward(g.data<scalar_t>(), hc.data<scalar_t>(), dh.data<scalar_t>(), rows, F, tanh_approx);
    });
    return std::vector<Tensor>{dh};
  });
}

}  // namespace sf
