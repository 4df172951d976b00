// The causal depthwise conv shared by Mamba and ParaRNN's block: the formula at every (b, t, e),
// gradcheck, and the one-token step replaying the sequence, for K = 1 (no window) and K = 3.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "layers/causal_conv.h"
#include "tests/random.h"

namespace sf {
namespace {

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

}  // namespace
}  // namespace sf
