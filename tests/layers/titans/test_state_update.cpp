// layers/titans/state_update.h: the fused chunk-end update against its composite, and its gradcheck.
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "autograd/gradcheck.h"
#include "layers/titans/state_update.h"
#include "tests/random.h"

namespace sf {
namespace {

constexpr int64_t N = 3, M = 4, K = 5, T = 6;

Variable composite(const Variable& x, const Variable& a, const Variable& y, const Variable& b, const Variable& p,
                   const Variable& c, const Variable& g) {
  auto per_row = [](const Variable& s) { return reshape(s, {N, 1, 1}); };
  Variable out = a.defined() ? x * per_row(a) : x;
  if (y.defined()) out = out + y * per_row(b);
  return out - matmul(p, g * unsqueeze(c, -1), true, false);
}

std::vector<Tensor> inputs(uint64_t seed) {
  return {test::randn({N, M, K}, seed), test::randn({N}, seed + 1), test::randn({N, M, K}, seed + 2),
          test::randn({N}, seed + 3),   test::randn({N, T, M}, seed + 4), test::randn({N, T}, seed + 5),
          test::randn({N, T, K}, seed + 6)};
}

// Which optional operands a case keeps: both terms, no second term (S's update), no first scale (no forgetting).
struct Variant {
  const char* name;
  bool a, second;
};
constexpr Variant kVariants[] = {{"full", true, true}, {"no second term", true, false}, {"no first scale", false, true}};

std::vector<Variable> pick(const std::vector<Variable>& x, const Variant& v) {
  return {x[0], v.a ? x[1] : Variable(), v.second ? x[2] : Variable(), v.second ? x[3] : Variable(), x[4], x[5], x[6]};
}

TEST(MemoryStateUpdate, EqualsTheComposite) {
  for (const Variant& v : kVariants) {
    std::vector<Variable> x;
    for (const Tensor& t : inputs(1)) x.emplace_back(t);
    const std::vector<Variable> in = pick(x, v);
    const Variable fused = memory_state_update(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
    EXPECT_LE(max_abs_diff(fused.data(), composite(in[0], in[1], in[2], in[3], in[4], in[5], in[6]).data()), 1e-13)
        << v.name;
    // float32 takes the same path.
    std::vector<Variable> x32;
    for (const Variable& t : in) x32.push_back(t.defined() ? Variable(t.data().to(DType::f32)) : Variable());
    const Variable f32 = memory_state_update(x32[0], x32[1], x32[2], x32[3], x32[4], x32[5], x32[6]);
    EXPECT_LE(max_abs_diff(f32.data().to(DType::f64), fused.data()), 1e-5) << v.name;
  }
}

TEST(MemoryStateUpdate, Gradcheck) {
  for (const Variant& v : kVariants) {
    std::vector<Tensor> leaves;
    const std::vector<Tensor> all = inputs(10);
    for (size_t i = 0; i < all.size(); ++i)
      if ((i != 1 || v.a) && ((i != 2 && i != 3) || v.second)) leaves.push_back(all[i]);
    const GradcheckResult r = gradcheck(
        [&](const std::vector<Variable>& x) {
          size_t at = 0;
          std::vector<Variable> full(7);
          for (size_t i = 0; i < 7; ++i)
            if ((i != 1 || v.a) && ((i != 2 && i != 3) || v.second)) full[i] = x[at++];
          return memory_state_update(full[0], full[1], full[2], full[3], full[4], full[5], full[6]);
        },
        leaves);
    EXPECT_TRUE(r.ok) << v.name << "\n" << r.report;
  }
}

}  // namespace
}  // namespace sf
