#include "layers/causal_conv.h"

#include "autograd/functions.h"

namespace sf {

Variable causal_conv(const Variable& x, const Variable& weight, const Variable& bias) {
  const int64_t B = x.size(0), L = x.size(1), E = x.size(2), K = weight.size(1);
  Variable padded = cat({Variable(zeros({B, K - 1, E}, x.dtype())), x}, 1);
  Variable y = bias + narrow(padded, 1, 0, L) * select(weight, 1, 0);
  for (int64_t j = 1; j < K; ++j) y = y + narrow(padded, 1, j, L) * select(weight, 1, j);
  return y;
}

Tensor causal_conv_step(Tensor& window, const Tensor& x_t, const Tensor& weight, const Tensor& bias) {
  const Tensor full = cat({window, x_t.unsqueeze(1)}, 1);  // (B, K, E)
  window = full.narrow(1, 1, weight.size(1) - 1).contiguous();
  return sum(full * weight.t(), {1}) + bias;
}

}  // namespace sf
