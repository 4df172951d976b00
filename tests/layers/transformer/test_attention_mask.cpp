// The flash kernel under a sliding window and a prefix (core/attention_mask.h) against the composite
// attention_core_reference: outputs and gradients of q, k, v for windows that bind (1, 3, L − 1) and that
// do not (L, L + 5), prefixes 0, 1, 4, lengths below, at and across the kernel's tile; a float64
// gradcheck; masks that hide nothing give the unmasked kernel's results bit for bit; and key tiles that
// slid out of the window are never read.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/functions.h"
#include "autograd/fused_attention.h"
#include "autograd/gradcheck.h"
#include "core/cpu/attention.h"
#include "layers/transformer/attention_core.h"
#include "tests/random.h"

namespace sf {
namespace {

struct Grads {
  Tensor out, dq, dk, dv;
};

template <class F>
Grads run(F attention, const Tensor& q0, const Tensor& k0, const Tensor& v0, const Tensor& r) {
  Variable q(q0, true), k(k0, true), v(v0, true);
  Variable o = attention(q, k, v);
  sum(o * Variable(r)).backward();
  return {o.data(), q.grad(), k.grad(), v.grad()};
}

// The two attentions under test as functions of (q, k, v).
auto flash_with(const Tensor& bias, const AttentionMask& mask) {
  return [=](const Variable& q, const Variable& k, const Variable& v) { return flash_attention(q, k, v, bias, mask); };
}
auto reference_with(const Tensor& bias, const AttentionMask& mask) {
  return [=](const Variable& q, const Variable& k, const Variable& v) {
    return attention_core_reference(q, k, v, bias, mask);
  };
}

double largest_diff(const Grads& a, const Grads& b) {
  return std::max({max_abs_diff(a.out, b.out), max_abs_diff(a.dq, b.dq), max_abs_diff(a.dk, b.dk),
                   max_abs_diff(a.dv, b.dv)});
}

std::string describe(int64_t L, const AttentionMask& m, bool bias) {
  return "L=" + std::to_string(L) + " window=" + std::to_string(m.window) + " prefix=" + std::to_string(m.prefix) +
         (bias ? " bias" : "");
}

TEST(AttentionMask, FlashMatchesTheCompositeForwardAndGradient) {
  const int64_t B = 2, H = 2, d = 8;
  for (int64_t L : {1, 5, 37, 64, 65, 150}) {
    const Tensor q = test::randn({B, H, L, d}, 1), k = test::randn({B, H, L, d}, 2), v = test::randn({B, H, L, d}, 3),
                 r = test::randn({B, H, L, d}, 4), alibi_like = test::randn({H, L, L}, 5);
    for (int64_t window : {int64_t{1}, int64_t{3}, L - 1, L, L + 5}) {
      if (window < 1) continue;
      for (int64_t prefix : {0, 1, 4}) {
        for (bool with_bias : {false, true}) {
          const AttentionMask mask{window, prefix};
          const Tensor bias = with_bias ? alibi_like : Tensor();
          EXPECT_LT(largest_diff(run(flash_with(bias, mask), q, k, v, r), run(reference_with(bias, mask), q, k, v, r)),
                    1e-11)
              << describe(L, mask, with_bias);
        }
      }
    }
  }
}

TEST(AttentionMask, Float32MatchesTheFloat64Composite) {
  const int64_t L = 130, d = 16;
  const Tensor q = test::randn({1, 2, L, d}, 6), k = test::randn({1, 2, L, d}, 7), v = test::randn({1, 2, L, d}, 8),
               r = test::randn({1, 2, L, d}, 9);
  const auto f32 = [](const Tensor& x) { return x.to(DType::f32); };
  for (const AttentionMask mask : {AttentionMask{3, 0}, AttentionMask{70, 4}}) {
    const Grads flash = run(flash_with(Tensor(), mask), f32(q), f32(k), f32(v), f32(r));
    const Grads flash64{flash.out.to(DType::f64), flash.dq.to(DType::f64), flash.dk.to(DType::f64),
                        flash.dv.to(DType::f64)};
    EXPECT_LT(largest_diff(flash64, run(reference_with(Tensor(), mask), q, k, v, r)), 2e-4) << describe(L, mask, false);
  }
}

TEST(AttentionMask, Gradcheck) {
  const Tensor bias = test::randn({2, 9, 9}, 10);
  for (const AttentionMask mask : {AttentionMask{2, 0}, AttentionMask{3, 2}, AttentionMask{1, 1}}) {
    GradcheckResult r = gradcheck(
        [&](const std::vector<Variable>& x) { return flash_attention(x[0], x[1], x[2], bias, mask); },
        {test::randn({1, 2, 9, 4}, 11), test::randn({1, 2, 9, 4}, 12), test::randn({1, 2, 9, 4}, 13)});
    EXPECT_TRUE(r.ok) << describe(9, mask, true) << "\n" << r.report;
  }
}

// A window that never binds (>= L), or a prefix that covers every key, takes the same arithmetic as the
// plain causal kernel: the results agree bit for bit, in f32 and f64.
TEST(AttentionMask, MasksThatHideNothingAreBitIdenticalToCausal) {
  const int64_t L = 150, d = 16;
  for (DType dtype : {DType::f64, DType::f32}) {
    const Tensor q = test::randn({2, 2, L, d}, 14, dtype), k = test::randn({2, 2, L, d}, 15, dtype),
                 v = test::randn({2, 2, L, d}, 16, dtype), r = test::randn({2, 2, L, d}, 17, dtype);
    const Grads causal = run(flash_with(Tensor(), {}), q, k, v, r);
    for (const AttentionMask mask : {AttentionMask{0, 0}, AttentionMask{L, 0}, AttentionMask{L + 64, 3},
                                     AttentionMask{5, L}, AttentionMask{0, 7}}) {
      EXPECT_EQ(largest_diff(run(flash_with(Tensor(), mask), q, k, v, r), causal), 0.0) << describe(L, mask, false);
    }
  }
}

// Keys 0 .. 63 (the first tile) poisoned with NaN: queries whose window lies past tile 1 are computed without
// ever reading them (the tile is skipped, which is what makes a window w cost O(L·w)), so their outputs and
// their q gradients stay those of the clean input; queries that share a tile with a visible key see the NaN.
TEST(AttentionMask, KeyTilesOutsideTheWindowAreNeverRead) {
  const int64_t T = cpu::kFlashTile, L = 4 * T, d = 8;
  const AttentionMask mask{3, 0};
  const Tensor q = test::randn({1, 1, L, d}, 18), k = test::randn({1, 1, L, d}, 19), v = test::randn({1, 1, L, d}, 20),
               r = test::randn({1, 1, L, d}, 21);
  Tensor k_nan = k.clone(), v_nan = v.clone();
  k_nan.narrow(2, 0, T).fill_(std::nan(""));
  v_nan.narrow(2, 0, T).fill_(std::nan(""));
  const Grads clean = run(flash_with(Tensor(), mask), q, k, v, r),
              poisoned = run(flash_with(Tensor(), mask), q, k_nan, v_nan, r);
  const int64_t far = 2 * T;  // from query tile 2 on, key tile 0 is wholly outside the window
  EXPECT_EQ(max_abs_diff(clean.out.narrow(2, far, L - far), poisoned.out.narrow(2, far, L - far)), 0.0);
  EXPECT_EQ(max_abs_diff(clean.dq.narrow(2, far, L - far), poisoned.dq.narrow(2, far, L - far)), 0.0);
  EXPECT_TRUE(std::isnan(sum(poisoned.out.narrow(2, 0, far)).item<double>())) << "the poison never showed";
}

TEST(AttentionMask, RefusesNegativeWindowsAndPrefixes) {
  const Variable x(test::randn({1, 1, 4, 2}, 22));
  EXPECT_THROW(flash_attention(x, x, x, Tensor(), {-1, 0}), Error);
  EXPECT_THROW(flash_attention(x, x, x, Tensor(), {2, -1}), Error);
}

}  // namespace
}  // namespace sf
