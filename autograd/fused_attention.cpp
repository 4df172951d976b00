#include "autograd/fused_attention.h"

#include "core/cpu/attention.h"
#include "core/error.h"

namespace sf {

Variable flash_attention(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias,
                         const AttentionMask& mask) {
  SF_CHECK(q.data().device().is_cpu(), "flash_attention: only the CPU kernel exists so far");
  cpu::FlashForward f = cpu::flash_attention_forward(q.data(), k.data(), v.data(), bias, mask);
  return record("flash_attention", f.out, {q, k, v},
                [q = q.data(), k = k.data(), v = v.data(), bias, out = f.out, lse = f.lse, mask](const Tensor& g) {
                  cpu::FlashGrads d = cpu::flash_attention_backward(g, q, k, v, bias, out, lse, mask);
                  return std::vector<Tensor>{d.dq, d.dk, d.dv};
                });
}

}  // namespace sf
