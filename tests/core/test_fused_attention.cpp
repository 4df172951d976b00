// The flash attention kernels' memory (core/cpu/attention.h): what the allocator sees during forward +
// backward stays within flash_attention_peak_bytes, which is linear in L, far below the composite's
// (B, H, L, L) scores.
#include <gtest/gtest.h>

#include "core/allocator.h"
#include "core/cpu/attention.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "tests/random.h"

namespace sf {
namespace {

size_t measured_peak(int64_t B, int64_t H, int64_t L, int64_t d) {
  const Tensor q = test::randn({B, H, L, d}, 1, DType::f32), k = test::randn({B, H, L, d}, 2, DType::f32),
               v = test::randn({B, H, L, d}, 3, DType::f32), dout = test::randn({B, H, L, d}, 4, DType::f32);
  Allocator& alloc = cpu_allocator();
  alloc.reset_peak();
  const size_t base = alloc.stats().bytes_in_use;
  {
    cpu::FlashForward f = cpu::flash_attention_forward(q, k, v, Tensor());
    cpu::FlashGrads g = cpu::flash_attention_backward(dout, q, k, v, Tensor(), f.out, f.lse);
  }
  return alloc.stats().peak_bytes_in_use - base;
}

TEST(FlashAttentionMemory, PeakWithinTheWorkspaceFormula) {
  const int64_t B = 1, H = 2, d = 32;
  for (MatmulPrecision precision : {MatmulPrecision::fp32, MatmulPrecision::bf16}) {
    set_matmul_precision(precision);  // bf16: the kernels also hold bf16 copies of q, k, v, dout
    for (int64_t L : {100, 512, 2048}) {
      const std::string what = "L=" + std::to_string(L) + (precision == MatmulPrecision::bf16 ? " bf16" : "");
      const size_t formula = cpu::flash_attention_peak_bytes(B, H, L, d, DType::f32, num_threads());
      const size_t peak = measured_peak(B, H, L, d);
      const size_t results = static_cast<size_t>(4 * B * H * L * d) * sizeof(float);  // out, dq, dk, dv
      EXPECT_GE(peak, results) << what;
      EXPECT_LE(peak, formula * 5 / 4) << what << " (size classes add at most 25 %)";
      EXPECT_LT(formula, static_cast<size_t>(B * H * L * L) * sizeof(float) + results + (1 << 20)) << what;
    }
  }
  set_matmul_precision(MatmulPrecision::fp32);
  // Linear in L: four times the length, four times the memory (scratch aside).
  const double r = static_cast<double>(cpu::flash_attention_peak_bytes(2, 6, 4096, 64, DType::f32, 2)) /
                   static_cast<double>(cpu::flash_attention_peak_bytes(2, 6, 1024, 64, DType::f32, 2));
  EXPECT_GT(r, 3.9);
  EXPECT_LT(r, 4.0);
}

}  // namespace
}  // namespace sf
