// bank_attention (autograd/bank_attention.h), the tiled softmax over a fixed bank, against the composite
// softmax(x Mᵀ) M: forward and gradients at tile sizes below, at and across the row count; a float64
// gradcheck; tiles change nothing but rounding.
#include <gtest/gtest.h>

#include "autograd/bank_attention.h"
#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "tests/random.h"

namespace sf {
namespace {

struct Out {
  Tensor y, dx, dbank;
};

template <class F>
Out run(F f, const Tensor& x0, const Tensor& bank0, const Tensor& r) {
  Variable x(x0, true), bank(bank0, true);
  Variable y = f(x, bank);
  sum(y * Variable(r)).backward();
  return {y.data(), x.grad(), bank.grad()};
}

TEST(BankAttention, MatchesTheCompositeAtEveryTiling) {
  const Tensor x = test::randn({2, 13, 8}, 1), bank = test::randn({5, 8}, 2), r = test::randn({2, 13, 8}, 3);
  const Out ref = run(bank_attention_reference, x, bank, r);
  for (int64_t tile : {1, 4, 26, 1000}) {
    const Out got = run([tile](const Variable& a, const Variable& b) { return bank_attention(a, b, tile); }, x, bank, r);
    EXPECT_LT(max_abs_diff(got.y, ref.y), 1e-13) << "tile " << tile;
    EXPECT_LT(max_abs_diff(got.dx, ref.dx), 1e-13) << "tile " << tile;
    EXPECT_LT(max_abs_diff(got.dbank, ref.dbank), 1e-13) << "tile " << tile;
  }
}

TEST(BankAttention, Gradcheck) {
  GradcheckResult r = gradcheck([](const std::vector<Variable>& v) { return bank_attention(v[0], v[1], 3); },
                                {test::randn({2, 4, 6}, 4), test::randn({7, 6}, 5)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(BankAttention, EachRowAttendsOnlyToTheBank) {
  // No row sees another: changing row 3 of x changes row 3 of the output only.
  const Tensor x = test::randn({1, 6, 4}, 6), bank = test::randn({3, 4}, 7);
  const Tensor y0 = bank_attention(Variable(x), Variable(bank), 2).data();
  Tensor x1 = x.clone();
  x1.narrow(1, 3, 1).copy_(test::randn({1, 1, 4}, 8));
  const Tensor y1 = bank_attention(Variable(x1), Variable(bank), 2).data();
  for (int64_t t = 0; t < 6; ++t) {
    const double d = max_abs_diff(y0.narrow(1, t, 1), y1.narrow(1, t, 1));
    if (t == 3) EXPECT_GT(d, 1e-6);
    else EXPECT_EQ(d, 0.0) << "row " << t;
  }
}

TEST(BankAttention, RefusesMismatchedWidths) {
  EXPECT_THROW(bank_attention(Variable(test::randn({2, 3}, 9)), Variable(test::randn({4, 5}, 10))), Error);
}

}  // namespace
}  // namespace sf
