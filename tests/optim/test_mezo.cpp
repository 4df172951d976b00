// MeZO on bare parameters (spec/optim.md §3.7, checks 2-5 and 8, plus 1's thread count): the restore after
// ±εz, the projected gradient of a quadratic, its expectation over many directions, the O(ε²) error on a
// smooth non-quadratic, −accuracy as the objective, and fused_update giving the same numbers. The checks
// that need a model (determinism over 20 steps, memory, frozen parameters) are in tests/train/test_train_step.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

#include "core/hash.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "optim/mezo.h"

namespace sf {
namespace {

Variable param(const std::vector<double>& values, const Shape& shape, DType dtype = DType::f64) {
  return Variable(from_vector(values, shape).to(dtype), true);
}

std::vector<double> random_values(size_t n, uint64_t seed, double scale = 1.0) {
  std::vector<double> v(n);
  rng_normal(v.data(), static_cast<int64_t>(n), RngStream{seed, 0, 0}, 0, 0.0, scale);
  return v;
}

Mezo make_mezo(const NamedParameters& params, double eps, bool fused = false, double weight_decay = 0.0) {
  return Mezo(make_param_groups(params, weight_decay), MezoOptions{eps, fused});
}

// z of canonical parameter `pid` for direction `seed`, in float64.
std::vector<double> direction(uint64_t seed, uint32_t pid, int64_t n) {
  std::vector<double> z(static_cast<size_t>(n));
  rng_normal(z.data(), n, RngStream{seed, pid, kTagMezo});
  return z;
}

// L(θ) = ½θᵀHθ + bᵀθ, H symmetric positive definite, d = 32.
struct Quadratic {
  static constexpr int64_t d = 32;
  std::vector<double> H, b;
  Quadratic() : H(d * d), b(random_values(d, 2)) {
    const std::vector<double> A = random_values(d * d, 1, 1.0 / std::sqrt(static_cast<double>(d)));
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) {
        double s = i == j ? 1.0 : 0.0;
        for (int64_t k = 0; k < d; ++k) s += A[i * d + k] * A[j * d + k];
        H[i * d + j] = s;
      }
  }
  double loss(const double* t) const {
    double l = 0;
    for (int64_t i = 0; i < d; ++i) {
      double hi = 0;
      for (int64_t j = 0; j < d; ++j) hi += H[i * d + j] * t[j];
      l += 0.5 * t[i] * hi + b[i] * t[i];
    }
    return l;
  }
  std::vector<double> grad(const double* t) const {
    std::vector<double> g(b);
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) g[i] += H[i * d + j] * t[j];
    return g;
  }
};

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(Mezo, DirectionSeedsMixTheRunSeedTheStepAndTheDirection) {
  EXPECT_EQ(Mezo::direction_seed(7, 3, 1), mix(mix(7, 3), 1));
  EXPECT_NE(Mezo::direction_seed(7, 3, 0), Mezo::direction_seed(7, 3, 1));
  EXPECT_NE(Mezo::direction_seed(7, 3, 0), Mezo::direction_seed(7, 4, 0));
}

TEST(Mezo, ParametersAreNumberedInDottedNameOrderWithATiedTensorOnce) {
  Variable w = param({1, 2, 3, 4}, {2, 2}), bias = param({1, 2}, {2}), a = param({1}, {1});
  // Grouping puts the matrix first; the canonical order sorts names: "a" 0, "layer.bias" 1, "layer.weight" 2.
  Mezo m = make_mezo({{"layer.weight", w}, {"layer.bias", bias}, {"tied", w}, {"a", a}}, 1e-3);
  ASSERT_EQ(m.params().size(), 3u);
  std::map<const VariableImpl*, uint32_t> pid;
  for (size_t i = 0; i < 3; ++i) pid[m.params()[i].impl()] = m.pid(i);
  EXPECT_EQ(pid[a.impl()], 0u);
  EXPECT_EQ(pid[bias.impl()], 1u);
  EXPECT_EQ(pid[w.impl()], 2u);
}

// Check 2: with η = 0 every element is back within 2·ulp(|θ| + 2ε|z|) of where it started (fp32).
TEST(Mezo, AStepWithZeroLearningRateRestoresTheParameters) {
  for (bool fused : {false, true}) {
    const double eps = 1e-2;
    Variable w = param(random_values(3000, 3), {60, 50}, DType::f32), v = param(random_values(40, 4), {40}, DType::f32);
    const Tensor w0 = w.data().clone(), v0 = v.data().clone();
    Mezo m = make_mezo({{"w", w}, {"v", v}}, eps, fused, 0.1);
    const uint64_t seed = Mezo::direction_seed(1, 0, 0);
    const auto objective = [&] { return static_cast<double>(sum(w.data() * w.data()).item<float>()); };
    const SpsaLosses l = m.evaluate(seed, objective);
    EXPECT_NE(l.plus, l.minus);
    m.set_projected_gradients({m.projected_gradient(l)});
    m.step(0.0);
    for (const auto& [p, p0, pid] : {std::tuple{w, w0, 1u}, std::tuple{v, v0, 0u}}) {
      const std::vector<double> z = direction(seed, pid, p.numel());
      const float* now = p.data().data<float>();
      const float* start = p0.data<float>();
      int64_t moved = 0;
      for (int64_t e = 0; e < p.numel(); ++e) {
        const float scale = std::abs(start[e]) + static_cast<float>(2 * eps * std::abs(z[e]));
        const float ulp = std::nextafter(scale, INFINITY) - scale;
        EXPECT_LE(std::abs(now[e] - start[e]), 2 * ulp) << "fused " << fused << " element " << e;
        moved += now[e] != start[e];
      }
      EXPECT_LT(moved, p.numel());  // most come back exactly
    }
  }
}

// Check 3: on a quadratic, p = (Hθ + b)ᵀz (the directional derivative) to 1e-9 relative.
TEST(Mezo, TheProjectedGradientOfAQuadraticIsTheDirectionalDerivative) {
  const Quadratic q;
  Variable theta = param(random_values(Quadratic::d, 5), {Quadratic::d});
  Mezo m = make_mezo({{"theta", theta}}, 1e-3);
  const std::vector<double> g = q.grad(theta.data().data<double>());
  for (int64_t t = 0; t < 5; ++t) {
    const uint64_t seed = Mezo::direction_seed(11, t, 0);
    const double p = m.projected_gradient(m.evaluate(seed, [&] { return q.loss(theta.data().data<double>()); }));
    const double expected = dot(g, direction(seed, 0, Quadratic::d));
    EXPECT_NEAR(p, expected, 1e-9 * std::abs(expected)) << "step " << t;
    m.discard();
  }
}

// Check 4: over N directions mean(p·z) → ∇L; the RMS error of the mean is √((d+1)/N)·‖∇L‖.
TEST(Mezo, TheEstimateAveragesToTheGradient) {
  const Quadratic q;
  Variable theta = param(random_values(Quadratic::d, 6), {Quadratic::d});
  Mezo m = make_mezo({{"theta", theta}}, 1e-3);
  const std::vector<double> g = q.grad(theta.data().data<double>());
  const int64_t N = 20000;
  std::vector<double> mean(Quadratic::d, 0.0);
  for (int64_t t = 0; t < N; ++t) {
    const uint64_t seed = Mezo::direction_seed(12, t, 0);
    const double p = m.projected_gradient(m.evaluate(seed, [&] { return q.loss(theta.data().data<double>()); }));
    m.discard();
    const std::vector<double> z = direction(seed, 0, Quadratic::d);
    for (int64_t i = 0; i < Quadratic::d; ++i) mean[i] += p * z[i] / static_cast<double>(N);
  }
  double err = 0;
  for (int64_t i = 0; i < Quadratic::d; ++i) err += (mean[i] - g[i]) * (mean[i] - g[i]);
  const double bound = 4 * std::sqrt((Quadratic::d + 1.0) / static_cast<double>(N));
  EXPECT_LE(std::sqrt(err / dot(g, g)), bound);
  EXPECT_GT(std::sqrt(err / dot(g, g)), bound / 40);  // a real estimate, not the gradient itself
}

// Check 5: on a smooth non-quadratic (a tanh MLP, float64) |p − zᵀ∇L| = O(ε²): ~4× smaller when ε halves.
TEST(Mezo, TheEstimateErrorShrinksWithEpsilonSquared) {
  constexpr int64_t B = 16, D = 4, H = 8;
  const std::vector<double> x = random_values(B * D, 7), y = random_values(B, 8);
  Variable w1 = param(random_values(H * D, 9, 0.7), {H, D}), w2 = param(random_values(H, 10, 0.7), {H});
  const auto loss_and_grad = [&](std::vector<double>* g1, std::vector<double>* g2) {
    const double* a = w1.data().data<double>();
    const double* c = w2.data().data<double>();
    double l = 0;
    for (int64_t b = 0; b < B; ++b) {
      double h[H], out = 0;
      for (int64_t j = 0; j < H; ++j) {
        double s = 0;
        for (int64_t k = 0; k < D; ++k) s += a[j * D + k] * x[b * D + k];
        h[j] = std::tanh(s);
        out += c[j] * h[j];
      }
      const double r = out - y[b];
      l += r * r / (2 * B);
      if (!g1) continue;
      for (int64_t j = 0; j < H; ++j) {
        (*g2)[j] += r * h[j] / B;
        for (int64_t k = 0; k < D; ++k) (*g1)[j * D + k] += r * c[j] * (1 - h[j] * h[j]) * x[b * D + k] / B;
      }
    }
    return l;
  };
  std::vector<double> g1(H * D, 0.0), g2(H, 0.0);
  loss_and_grad(&g1, &g2);
  double error[2] = {0, 0};
  const double eps[2] = {1e-2, 5e-3};
  for (int k = 0; k < 2; ++k) {
    Mezo m = make_mezo({{"mlp.w1", w1}, {"mlp.w2", w2}}, eps[k]);
    for (int64_t t = 0; t < 8; ++t) {
      const uint64_t seed = Mezo::direction_seed(13, t, 0);
      const double p = m.projected_gradient(m.evaluate(seed, [&] { return loss_and_grad(nullptr, nullptr); }));
      m.discard();
      // Canonical order: mlp.w1 is pid 0, mlp.w2 pid 1.
      const double exact = dot(g1, direction(seed, 0, H * D)) + dot(g2, direction(seed, 1, H));
      error[k] += std::abs(p - exact);
    }
  }
  EXPECT_GT(error[0], 0);
  EXPECT_NEAR(error[0] / error[1], 4.0, 0.6);
}

// The update θ ← θ − η(p·z + λθ), λ only on decayed tensors (>= 2 dims); fused_update and n-SPSA give the
// numbers of the plain form, and any thread count gives the same bits.
Tensor run_steps(bool fused, int64_t directions, int threads) {
  set_num_threads(threads);
  Variable w = param(random_values(70000, 14, 0.1), {350, 200}, DType::f32), b = param(random_values(30, 15), {30}, DType::f32);
  Mezo m = make_mezo({{"w", w}, {"b", b}}, 1e-3, fused, 0.1);
  for (int64_t t = 0; t < 4; ++t) {
    std::vector<double> p;
    for (int64_t i = 0; i < directions; ++i)
      p.push_back(m.projected_gradient(m.evaluate(Mezo::direction_seed(3, t, i), [&] {
        return sum(w.data() * w.data()).item<double>() + sum(b.data()).item<double>();
      })));
    m.set_projected_gradients(p);
    m.step(1e-2);
  }
  EXPECT_EQ(m.steps_taken(), 4);
  set_num_threads(1);
  return cat({w.data().reshape({-1}), b.data()}, 0);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(Mezo, FusedUpdateAndThreadCountsGiveTheSameBits) {
  for (int64_t n : {1, 3}) {
    const Tensor plain = run_steps(false, n, 1);
    EXPECT_TRUE(bitwise_equal(plain, run_steps(true, n, 1))) << n << " directions, fused";
    EXPECT_TRUE(bitwise_equal(plain, run_steps(false, n, 2))) << n << " directions, 2 threads";
  }
  EXPECT_FALSE(bitwise_equal(run_steps(false, 1, 1), run_steps(false, 3, 1)));
}

TEST(Mezo, TheUpdateFollowsTheFormulaWithDecayOnMatricesOnly) {
  Variable w = param({1, -2, 3, 0.5}, {2, 2}), b = param({0.25, -1}, {2});
  const Tensor w0 = w.data().clone(), b0 = b.data().clone();
  Mezo m = make_mezo({{"w", w}, {"b", b}}, 1e-3, false, 0.5);
  const uint64_t s0 = 101, s1 = 202;
  m.evaluate(s0, [] { return 0.0; });
  m.evaluate(s1, [] { return 0.0; });
  m.set_projected_gradients({2.0, -4.0});
  m.step(0.1);
  for (const auto& [p, p0, pid, wd] : {std::tuple{w, w0, 1u, 0.5}, std::tuple{b, b0, 0u, 0.0}}) {
    const std::vector<double> z0 = direction(s0, pid, 4), z1 = direction(s1, pid, 4);
    for (int64_t e = 0; e < p.numel(); ++e) {
      const double t = p0.data<double>()[e];
      const double expected = t - 0.1 * ((2.0 / 2) * z0[e] + (-4.0 / 2) * z1[e] + wd * t);
      EXPECT_NEAR(p.data().data<double>()[e], expected, 1e-12) << "pid " << pid << " element " << e;
    }
  }
}

TEST(Mezo, MisuseIsAnError) {
  Variable w = param({1, 2}, {2});
  Mezo m = make_mezo({{"w", w}}, 1e-3);
  EXPECT_THROW(m.step(0.1), Error);  // nothing evaluated
  m.evaluate(1, [] { return 1.0; });
  EXPECT_THROW(m.set_projected_gradients({1.0, 2.0}), Error);
  m.set_projected_gradients({1.0});
  EXPECT_THROW(m.evaluate(2, [] { return 1.0; }), Error);
  EXPECT_THROW(Mezo(make_param_groups({{"w", w}}, 0.0), MezoOptions{0.0, false}), Error);
}

// Check 8: a non-differentiable objective. −accuracy of a linear classifier on separable data: ~50% → > 80%.
TEST(Mezo, MinimisingMinusAccuracyTrainsALinearClassifier) {
  constexpr int64_t N = 400, D = 10;
  const std::vector<double> x = random_values(N * D, 20), truth = random_values(D, 21);
  std::vector<int> label(N);
  for (int64_t i = 0; i < N; ++i) {
    double s = 0;
    for (int64_t k = 0; k < D; ++k) s += truth[k] * x[i * D + k];
    label[i] = s > 0;
  }
  Variable w = param(random_values(D, 22, 1e-3), {D}, DType::f32);
  const auto accuracy = [&] {
    const float* v = w.data().data<float>();
    int64_t right = 0;
    for (int64_t i = 0; i < N; ++i) {
      double s = 0;
      for (int64_t k = 0; k < D; ++k) s += v[k] * x[i * D + k];
      right += (s > 0) == (label[i] == 1);
    }
    return static_cast<double>(right) / N;
  };
  const double before = accuracy();
  EXPECT_NEAR(before, 0.5, 0.15);
  Mezo m = make_mezo({{"w", w}}, 0.05);
  for (int64_t t = 0; t < 300; ++t) {
    const SpsaLosses l = m.evaluate(Mezo::direction_seed(5, t, 0), [&] { return -accuracy(); });
    m.set_projected_gradients({m.projected_gradient(l)});
    m.step(0.02);
  }
  EXPECT_GT(accuracy(), 0.8) << "from " << before;
}

}  // namespace
}  // namespace sf
