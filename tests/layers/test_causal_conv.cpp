// The causal depthwise conv shared by Mamba, ParaRNN's block, M2 and GAM: the formula at every (b, t, e),
// gradcheck, and the one-token step replaying the sequence, for K = 1 (no window) and K = 3; the fused op
// against the composite it replaced (shifted products of a zero-padded copy), on a row-strided input; float32
// gradients bitwise the same on 1 and 2 threads.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "core/parallel.h"
#include "layers/causal_conv.h"
#include "tests/random.h"

namespace sf {
namespace {

Variable causal_conv_composite(const Variable& x, const Variable& weight, const Variable& bias) {
  const int64_t B = x.size(0), L = x.size(1), E = x.size(2), K = weight.size(1);
  Variable padded = cat({Variable(zeros({B, K - 1, E}, x.dtype())), x}, 1);
  Variable y = bias + narrow(padded, 1, 0, L) * select(weight, 1, 0);
  for (int64_t j = 1; j < K; ++j) y = y + narrow(padded, 1, j, L) * select(weight, 1, j);
  return y;
}

TEST(CausalConv, MatchesCompositeOnAStridedInput) {
  for (int64_t K : {1, 3, 4}) {
    const int64_t B = 2, L = 150, E = 21;  // 300 rows: three blocks of the weight-gradient sums
    const Tensor xs = test::randn({B, L, 2 * E}, 4), w = test::randn({E, K}, 5), b = test::randn({E}, 6),
                 r = test::randn({B, L, E}, 7);
    std::vector<std::vector<Tensor>> out;
    for (bool fused : {true, false}) {
      Variable x(xs, true), wv(w, true), bv(b, true);
      const Variable xe = narrow(x, 2, E, E);  // rows strided by 2E
      const Variable y = fused ? causal_conv(xe, wv, bv) : causal_conv_composite(xe, wv, bv);
      sum(y * Variable(r)).backward();
      out.push_back({y.data(), x.grad(), wv.grad(), bv.grad()});
    }
    for (size_t i = 0; i < out[0].size(); ++i)
      EXPECT_LT(max_abs_diff(out[0][i], out[1][i]), 1e-12) << "K " << K << ", tensor " << i << " (y, dx, dw, db)";
  }
}

TEST(CausalConv, FormulaGradcheckAndStep) {
  for (int64_t K : {1, 3}) {
    const Tensor x = test::randn({2, 6, 4}, 1), w = test::randn({4, K}, 2), b = test::randn({4}, 3);
    const Tensor y = causal_conv(Variable(x), Variable(w), Variable(b)).data();
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t t = 0; t < 6; ++t)
        for (int64_t e = 0; e < 4; ++e) {
          double want = b.at({e});
          for (int64_t j = 0; j < K; ++j)
            if (t - K + 1 + j >= 0) want += w.at({e, j}) * x.at({n, t - K + 1 + j, e});
          EXPECT_NEAR(y.at({n, t, e}), want, 1e-14) << "K " << K << " t " << t;
        }
    auto r = gradcheck([](const std::vector<Variable>& v) { return causal_conv(v[0], v[1], v[2]); }, {x, w, b});
    EXPECT_TRUE(r.ok) << r.report;
    Tensor window = zeros({2, K - 1, 4}, DType::f64);
    for (int64_t t = 0; t < 6; ++t)
      EXPECT_LE(max_abs_diff(causal_conv_step(window, x.select(1, t).contiguous(), w, b), y.select(1, t)), 1e-14)
          << "K " << K << " t " << t;
  }
}

TEST(CausalConv, OneAndTwoThreadsAgreeBitwise) {
  const Tensor x0 = test::randn({3, 200, 24}, 8, DType::f32), w0 = test::randn({24, 3}, 9, DType::f32),
               b0 = test::randn({24}, 10, DType::f32), r = test::randn({3, 200, 24}, 11, DType::f32);
  auto run = [&] {
    Variable x(x0, true), w(w0, true), b(b0, true);
    sum(causal_conv(x, w, b) * Variable(r)).backward();
    return std::vector<Tensor>{x.grad(), w.grad(), b.grad()};
  };
  const int threads = num_threads();
  set_num_threads(1);
  const auto one = run();
  set_num_threads(2);
  const auto two = run();
  set_num_threads(threads);
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_EQ(max_abs_diff(one[i], two[i]), 0.0) << "tensor " << i << " (dx, dw, db)";
}

}  // namespace
}  // namespace sf
