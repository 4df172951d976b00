// Flash attention (autograd/fused_attention.h) against the composite it replaces, softmax(Q K^T / √d +
// bias, causal) V built from primitive ops: forward and gradients, with and without a bias, at lengths
// that are below, at and across tile boundaries; a float64 gradcheck; thread-count independence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

#include "autograd/functions.h"
#include "autograd/fused_attention.h"
#include "autograd/gradcheck.h"
#include "core/cpu/attention.h"
#include "core/cpu/gemm.h"
#include "core/parallel.h"
#include "tests/random.h"

namespace sf {
namespace {

Variable composite(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias) {
  const int64_t L = q.size(2);
  std::vector<int32_t> m(static_cast<size_t>(L * L), 0);
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = i + 1; j < L; ++j) m[i * L + j] = 1;
  Variable s = matmul(q, k, false, true) * (1.0 / std::sqrt(static_cast<double>(q.size(3))));
  if (bias.defined()) s = s + Variable(bias);
  s = masked_fill(s, from_vector<int32_t>(m, {L, L}), -std::numeric_limits<double>::infinity());
  return matmul(softmax(s, -1), v);
}

// flash_attention with the plain causal mask, as a function of the composite's arguments.
Variable causal_flash(const Variable& q, const Variable& k, const Variable& v, const Tensor& bias) {
  return flash_attention(q, k, v, bias);
}

struct Grads {
  Tensor out, dq, dk, dv;
};

template <class F>
Grads run(F attention, const Tensor& q0, const Tensor& k0, const Tensor& v0, const Tensor& bias, const Tensor& r) {
  Variable q(q0, true), k(k0, true), v(v0, true);
  Variable o = attention(q, k, v, bias);
  sum(o * Variable(r)).backward();
  return {o.data(), q.grad(), k.grad(), v.grad()};
}

void expect_close(const Grads& a, const Grads& b, double tol, const std::string& what) {
  EXPECT_LT(max_abs_diff(a.out, b.out), tol) << what << " out";
  EXPECT_LT(max_abs_diff(a.dq, b.dq), tol) << what << " dq";
  EXPECT_LT(max_abs_diff(a.dk, b.dk), tol) << what << " dk";
  EXPECT_LT(max_abs_diff(a.dv, b.dv), tol) << what << " dv";
}

TEST(FusedAttention, MatchesCompositeForwardAndGradient) {
  const int64_t B = 2, H = 3, d = 16;
  for (int64_t L : {1, 37, 64, 65, 257}) {
    for (bool with_bias : {false, true}) {
      const Tensor q = test::randn({B, H, L, d}, 1), k = test::randn({B, H, L, d}, 2), v = test::randn({B, H, L, d}, 3);
      const Tensor r = test::randn({B, H, L, d}, 4);
      const Tensor bias = with_bias ? test::randn({H, L, L}, 5) : Tensor();  // an ALiBi-shaped bias
      const std::string what = "L=" + std::to_string(L) + (with_bias ? " bias" : "");
      expect_close(run(causal_flash, q, k, v, bias, r), run(composite, q, k, v, bias, r), 1e-11, what);
      // float32 against the float64 composite
      const Grads f32 = run(causal_flash, q.to(DType::f32), k.to(DType::f32), v.to(DType::f32),
                          with_bias ? bias.to(DType::f32) : bias, r.to(DType::f32));
      expect_close({f32.out.to(DType::f64), f32.dq.to(DType::f64), f32.dk.to(DType::f64), f32.dv.to(DType::f64)},
                   run(composite, q, k, v, bias, r), 2e-4, what + " f32");
    }
  }
}

TEST(FusedAttention, ReadsStridedHeadsLikeTheLayer) {
  // q, k, v as the attention layer makes them: (B, L, 3, H, d) sliced and transposed, never copied.
  const int64_t B = 2, L = 70, H = 2, d = 8;
  const Tensor qkv = test::randn({B, L, 3 * H * d}, 6), r = test::randn({B, H, L, d}, 7);
  auto head = [&](int64_t i) { return qkv.narrow(2, i * H * d, H * d).view({B, L, H, d}).transpose(1, 2); };
  expect_close(run(causal_flash, head(0), head(1), head(2), Tensor(), r),
               run(composite, head(0).contiguous(), head(1).contiguous(), head(2).contiguous(), Tensor(), r), 1e-11,
               "strided");
}

TEST(FusedAttention, Gradcheck) {
  const Tensor bias = test::randn({2, 6, 6}, 8);
  GradcheckResult r = gradcheck(
      [&](const std::vector<Variable>& x) { return flash_attention(x[0], x[1], x[2], bias); },
      {test::randn({1, 2, 6, 4}, 9), test::randn({1, 2, 6, 4}, 10), test::randn({1, 2, 6, 4}, 11)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(FusedAttention, OneAndTwoThreadsAgreeBitwise) {
  const int64_t B = 2, H = 2, L = 150, d = 32;
  const Tensor q = test::randn({B, H, L, d}, 12, DType::f32), k = test::randn({B, H, L, d}, 13, DType::f32),
               v = test::randn({B, H, L, d}, 14, DType::f32), r = test::randn({B, H, L, d}, 15, DType::f32);
  const int threads = num_threads();
  set_num_threads(1);
  const Grads one = run(causal_flash, q, k, v, Tensor(), r);
  set_num_threads(2);
  const Grads two = run(causal_flash, q, k, v, Tensor(), r);
  set_num_threads(threads);
  expect_close(one, two, 1e-30, "threads");
}

double largest_diff(const Grads& a, const Grads& b) {
  return std::max({max_abs_diff(a.out, b.out), max_abs_diff(a.dq, b.dq), max_abs_diff(a.dk, b.dk),
                   max_abs_diff(a.dv, b.dv)});
}

Grads to_f64(const Grads& g) {
  return {g.out.to(DType::f64), g.dq.to(DType::f64), g.dk.to(DType::f64), g.dv.to(DType::f64)};
}

// At MatmulPrecision::bf16 the tile products run on bf16 roundings of Q, K, V, dO and of the P and dS tiles:
// close to the composite at the same precision (which rounds the same operands of its matmuls), within
// bf16's error of the exact float64 result, not the fp32 kernel's result, and independent of threads.
TEST(FusedAttention, Bf16TilesRoundLikeTheCompositeAtBf16Precision) {
  if (!cpu::bf16_gemm_available()) GTEST_SKIP() << "no bf16 GEMM kernel (oneDNN) here";
  const int64_t B = 2, H = 2, L = 150, d = 32;
  const Tensor q = test::randn({B, H, L, d}, 19), k = test::randn({B, H, L, d}, 20), v = test::randn({B, H, L, d}, 21),
               r = test::randn({B, H, L, d}, 22);
  const auto f32 = [](const Tensor& x) { return x.to(DType::f32); };
  const Grads exact = run(composite, q, k, v, Tensor(), r);
  const Grads fp32 = run(causal_flash, f32(q), f32(k), f32(v), Tensor(), f32(r));
  set_matmul_precision(MatmulPrecision::bf16);
  const Grads flash = run(causal_flash, f32(q), f32(k), f32(v), Tensor(), f32(r));
  const Grads composite_bf16 = run(composite, f32(q), f32(k), f32(v), Tensor(), f32(r));
  const int threads = num_threads();
  set_num_threads(1);
  const Grads one = run(causal_flash, f32(q), f32(k), f32(v), Tensor(), f32(r));
  set_num_threads(threads);
  set_matmul_precision(MatmulPrecision::fp32);
  std::cout << "bf16 flash vs bf16 composite " << largest_diff(flash, composite_bf16) << ", vs exact "
            << largest_diff(to_f64(flash), exact) << ", vs fp32 flash " << largest_diff(flash, fp32)
            << "; fp32 flash vs exact " << largest_diff(to_f64(fp32), exact) << "\n";
  expect_close(flash, composite_bf16, 3e-2, "bf16 flash vs bf16 composite");
  expect_close(to_f64(flash), exact, 5e-2, "bf16 flash vs exact");
  EXPECT_GT(largest_diff(flash, fp32), 1e-3) << "the tiles were not rounded";
  expect_close(one, flash, 1e-30, "bf16 one vs two threads");
}

TEST(FusedAttention, CausalOutputIgnoresTheFuture) {
  const int64_t L = 100, d = 8;
  Tensor q = test::randn({1, 1, L, d}, 16), k = test::randn({1, 1, L, d}, 17), v = test::randn({1, 1, L, d}, 18);
  const Tensor before = flash_attention(Variable(q), Variable(k), Variable(v)).data();
  k.narrow(2, 80, 20).fill_(3.0);
  v.narrow(2, 80, 20).fill_(-2.0);
  const Tensor after = flash_attention(Variable(q), Variable(k), Variable(v)).data();
  EXPECT_EQ(max_abs_diff(before.narrow(2, 0, 80), after.narrow(2, 0, 80)), 0.0);
  EXPECT_GT(max_abs_diff(before.narrow(2, 80, 20), after.narrow(2, 80, 20)), 1e-3);
}

}  // namespace
}  // namespace sf
