// Fused LayerNorm / RMSNorm over the last dim, forward and backward, on rows of a (N, D) view.
//   LayerNorm (centre): y = (x − mean) · rstd · w + b,  rstd = 1/√(var + eps)  (biased var)
//   RMSNorm:            y = x · rstd · w,              rstd = 1/√(mean(x²) + eps)
// Rows are independent; dw and db are summed over fixed blocks of kNormRows rows, then over blocks in
// order, so results are bit-identical for any thread count.
#pragma once
#include "core/tensor.h"

namespace sf::cpu {

constexpr int64_t kNormRows = 64;

struct NormForward {
  Tensor y;     // x's shape
  Tensor mean;  // (N): undefined for RMSNorm
  Tensor rstd;  // (N)
};
// x (..., D); weight (D); bias (D) or undefined.
NormForward norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps, bool centre);

struct NormGrads {
  Tensor dx, dweight, dbias;  // dbias undefined when `with_bias` is false
};
NormGrads norm_backward(const Tensor& dy, const Tensor& x, const Tensor& weight, const NormForward& saved,
                        bool centre, bool with_bias);

}  // namespace sf::cpu
