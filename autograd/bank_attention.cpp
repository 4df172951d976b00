#include "autograd/bank_attention.h"

#include "autograd/functions.h"
#include "core/ops.h"

namespace sf {

Variable bank_attention(const Variable& x, const Variable& bank, int64_t tile_rows) {
  SF_CHECK(bank.dim() == 2 && x.dim() >= 1 && x.size(-1) == bank.size(1), "bank_attention: x (..., D) and bank (M, D) ",
           "must share D, got ", shape_str(x.shape()), " and ", shape_str(bank.shape()));
  SF_CHECK(tile_rows > 0, "bank_attention: tile_rows must be > 0, got ", tile_rows);
  const int64_t D = bank.size(1);
  const Tensor rows = x.data().contiguous().view({x.data().numel() / D, D});
  const Tensor mem = bank.data().contiguous();
  // Bankᵀ (D, M) row-major once: the per-tile products with it run ~10 % faster than on a transposed operand.
  const Tensor mem_t = mem.t().contiguous();
  const int64_t n = rows.size(0);
  Tensor y = empty({n, D}, rows.dtype());  // each tile's product is written in place
  for (int64_t r = 0; r < n; r += tile_rows) {
    const Tensor xt = rows.narrow(0, r, std::min(tile_rows, n - r));
    Tensor yt = y.narrow(0, r, xt.size(0));
    gemm_(yt, softmax(matmul(xt, mem_t), -1), mem, false, false);
  }
  const Shape shape = x.shape();
  return record("bank_attention", y.view(shape), {x, bank}, [rows, mem, mem_t, tile_rows, shape](const Tensor& g) {
    const int64_t n = rows.size(0), D = mem.size(1);
    const Tensor grad = g.contiguous().view({n, D});
    Tensor dx = empty({n, D}, rows.dtype()), dmem = zeros(mem.shape(), mem.dtype());
    for (int64_t r = 0; r < n; r += tile_rows) {
      const int64_t t = std::min(tile_rows, n - r);
      const Tensor xt = rows.narrow(0, r, t), gt = grad.narrow(0, r, t);
      const Tensor p = softmax(matmul(xt, mem_t), -1);  // recomputed, (t, M)
      const Tensor ds = softmax_backward(matmul(gt, mem_t), p, -1);
      Tensor dxt = dx.narrow(0, r, t);
      gemm_(dxt, ds, mem, false, false);
      gemm_(dmem, ds, xt, true, false, 1.0, 1.0);  // keys
      gemm_(dmem, p, gt, true, false, 1.0, 1.0);   // values
    }
    return std::vector<Tensor>{dx.view(shape), dmem};
  });
}

Variable bank_attention_reference(const Variable& x, const Variable& bank) {
  return matmul(softmax(matmul(x, bank, false, true), -1), bank);
}

}  // namespace sf
