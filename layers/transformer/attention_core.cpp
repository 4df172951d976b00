#include "layers/transformer/attention_core.h"

#include <cmath>
#include <limits>

#include "autograd/functions.h"
#include "autograd/fused_attention.h"

namespace sf {
namespace {

// (L, L) with 1 where query i may not see key j.
Tensor hidden_mask(int64_t length, const AttentionMask& mask) {
  std::vector<int32_t> m(static_cast<size_t>(length * length), 0);
  for (int64_t i = 0; i < length; ++i)
    for (int64_t j = 0; j < length; ++j) m[i * length + j] = !mask.visible(i, j);
  return from_vector<int32_t>(m, {length, length});
}

}  // namespace

Variable attention_core(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias,
                        const AttentionMask& mask) {
  if (q.data().device().is_cpu()) return flash_attention(q, k, v, bias, mask);
  return attention_core_reference(q, k, v, bias, mask);
}

Variable attention_core_reference(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias,
                                  const AttentionMask& mask) {
  SF_CHECK(q.dim() == 4 && q.shape() == k.shape() && q.shape() == v.shape(),
           "attention: q, k, v must share one (B, H, L, d_h) shape, got ", shape_str(q.shape()), ", ",
           shape_str(k.shape()), ", ", shape_str(v.shape()));
  const int64_t length = q.size(2);
  Variable scores = matmul(q, k, false, true) * (1.0 / std::sqrt(static_cast<double>(q.size(3))));
  if (bias.defined()) scores = scores + Variable(bias);
  scores = masked_fill(scores, hidden_mask(length, mask), -std::numeric_limits<double>::infinity());
  return matmul(softmax(scores, -1), v);
}

Tensor attention_step(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias) {
  Tensor scores = matmul(q, k, false, true) * (1.0 / std::sqrt(static_cast<double>(q.size(3))));  // (B, H, 1, n)
  if (bias.defined()) scores = scores + bias;
  return matmul(softmax(scores, -1), v);
}

}  // namespace sf
