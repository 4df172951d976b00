// M2's fused gated long convolutions (layers/m2/gated_long_conv.h) against their composite of
// causal_fft_conv and element-wise ops: output and every input gradient in float64, with and without the
// residual long conv, with filters in both layouts (contiguous (D, L) and the implicit filter's transposed
// view), channel counts that fill one group of lanes partly and two groups; float64 gradchecks; float32
// results bitwise the same on 1 and 2 threads.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "layers/m2/gated_long_conv.h"
#include "layers/ssm/fft_conv.h"
#include "tests/random.h"

namespace sf {
namespace {

using test::randn;

struct Inputs {
  Tensor p, k, beta, u, k2, beta2;
};

// Filters as (D, L) tensors, contiguous or as the transpose of an (L, D) one.
Inputs make(int64_t B, int64_t L, int64_t D, bool residual, bool transposed, uint64_t seed) {
  auto filter = [&](uint64_t s) { return transposed ? randn({L, D}, s).transpose(0, 1) : randn({D, L}, s); };
  Inputs in{randn({B, L, 3 * D}, seed), filter(seed + 1), randn({D}, seed + 2), {}, {}, {}};
  if (residual) {
    in.u = randn({B, L, D}, seed + 3);
    in.k2 = filter(seed + 4);
    in.beta2 = randn({D}, seed + 5);
  }
  return in;
}

std::vector<Tensor> run(bool fused, const Inputs& in, const Tensor& r) {
  std::vector<Variable> v;
  for (const Tensor& t : {in.p, in.k, in.beta, in.u, in.k2, in.beta2})
    v.push_back(t.defined() ? Variable(t, true) : Variable());
  const LongConv conv = [](const Variable& x, const Variable& k) { return causal_fft_conv(x, k); };
  const Variable y = fused ? m2_gated_long_conv(v[0], v[1], v[2], v[3], v[4], v[5])
                           : m2_gated_long_conv_composite(v[0], v[1], v[2], v[3], v[4], v[5], conv);
  sum(y * Variable(r)).backward();
  std::vector<Tensor> out{y.data()};
  for (const Variable& x : v)
    if (x.defined()) out.push_back(x.grad());
  return out;
}

TEST(M2GatedLongConv, MatchesComposite) {
  for (int64_t D : {3, 11})
    for (bool residual : {false, true})
      for (bool transposed : {false, true}) {
        const int64_t B = 2, L = 13;
        const Inputs in = make(B, L, D, residual, transposed, 10 * D);
        const Tensor r = randn({B, L, D}, 99);
        const auto fused = run(true, in, r), ref = run(false, in, r);
        ASSERT_EQ(fused.size(), ref.size());
        for (size_t i = 0; i < fused.size(); ++i)
          EXPECT_LT(max_abs_diff(fused[i], ref[i]), 1e-11)
              << "tensor " << i << " (0: y, then p, k, beta, u, k2, beta2), D " << D << ", residual " << residual
              << ", transposed " << transposed;
      }
}

TEST(M2GatedLongConv, Gradcheck) {
  for (bool residual : {false, true}) {
    const Inputs in = make(2, 6, 3, residual, true, 7);
    std::vector<Tensor> leaves{in.p, in.k.contiguous(), in.beta};
    if (residual) leaves.insert(leaves.end(), {in.u, in.k2.contiguous(), in.beta2});
    GradcheckResult r = gradcheck(
        [residual](const std::vector<Variable>& v) {
          return residual ? m2_gated_long_conv(v[0], v[1], v[2], v[3], v[4], v[5])
                          : m2_gated_long_conv(v[0], v[1], v[2], Variable(), Variable(), Variable());
        },
        leaves);
    EXPECT_TRUE(r.ok) << "residual " << residual << ": " << r.report;
  }
}

TEST(M2GatedLongConv, OneAndTwoThreadsAgreeBitwise) {
  Inputs in = make(2, 50, 40, true, true, 21);  // 40 channels: three groups of 16 lanes, the last partly full
  for (Tensor* t : {&in.p, &in.k, &in.beta, &in.u, &in.k2, &in.beta2}) *t = t->to(DType::f32);
  const Tensor r = randn({2, 50, 40}, 22, DType::f32);
  const int threads = num_threads();
  set_num_threads(1);
  const auto one = run(true, in, r);
  set_num_threads(2);
  const auto two = run(true, in, r);
  set_num_threads(threads);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << "tensor " << i;
}

}  // namespace
}  // namespace sf
