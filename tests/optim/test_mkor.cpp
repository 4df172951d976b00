// MKOR (optim/mkor.h), the checks of spec §4.9: Sherman–Morrison against explicit inverses, the Kronecker
// identity, identity factors giving the backbone's step bitwise, norm restoration, the stabiliser, the
// hooks' statistics against hand-computed means, MKOR-H's switch, and a bitwise resume.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "autograd/functions.h"
#include "config/loader.h"
#include "config/run_config.h"
#include "core/ops.h"
#include "layers/sequence_model.h"
#include "optim/adamw.h"
#include "optim/factory.h"
#include "optim/mkor.h"
#include "optim/mkor_factors.h"
#include "optim/sgd.h"

namespace sf {
namespace {

using Matrix = std::vector<double>;  // row-major n×n

double uniform(uint64_t& s) {  // a small LCG: reproducible test data without the library's RNG
  s = s * 6364136223846793005ULL + 1442695040888963407ULL;
  return static_cast<double>(s >> 11) / static_cast<double>(1ULL << 53) * 2 - 1;
}

Matrix inverse(Matrix a, int64_t n) {  // Gauss–Jordan with partial pivoting
  Matrix inv(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (int64_t c = 0; c < n; ++c) {
    int64_t piv = c;
    for (int64_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
    for (int64_t j = 0; j < n; ++j) {
      std::swap(a[c * n + j], a[piv * n + j]);
      std::swap(inv[c * n + j], inv[piv * n + j]);
    }
    const double d = a[c * n + c];
    for (int64_t j = 0; j < n; ++j) {
      a[c * n + j] /= d;
      inv[c * n + j] /= d;
    }
    for (int64_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (int64_t j = 0; j < n; ++j) {
        a[r * n + j] -= f * a[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

bool cholesky_ok(const Matrix& a, int64_t n) {
  Matrix l(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double s = a[i * n + j];
      for (int64_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      if (i == j) {
        if (s <= 0) return false;
        l[i * n + i] = std::sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  return true;
}

double max_rel_diff(const Matrix& a, const Matrix& b) {
  double worst = 0, scale = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    worst = std::max(worst, std::abs(a[k] - b[k]));
    scale = std::max(scale, std::abs(b[k]));
  }
  return worst / scale;
}

double max_asymmetry(const Matrix& a, int64_t n) {
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) worst = std::max(worst, std::abs(a[i * n + j] - a[j * n + i]));
  return worst;
}

struct SmCase {
  int64_t n = 17;
  Matrix m, f;  // an SPD matrix and its inverse
  std::vector<double> v;
};

SmCase sm_case() {
  SmCase c;
  uint64_t s = 7;
  const int64_t n = c.n;
  Matrix a(static_cast<size_t>(n * n));
  for (double& x : a) x = uniform(s);
  c.m.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t k = 0; k < n; ++k) c.m[i * n + j] += a[i * n + k] * a[j * n + k];
      if (i == j) c.m[i * n + j] += 0.5;
    }
  c.f = inverse(c.m, n);
  for (int64_t i = 0; i < n; ++i)  // symmetrise the inverse's rounding: the update assumes a symmetric F
    for (int64_t j = 0; j < i; ++j) c.f[i * n + j] = c.f[j * n + i];
  c.v.resize(static_cast<size_t>(n));
  for (double& x : c.v) x = uniform(s);
  return c;
}

Matrix updated(const SmCase& c, MkorInverseUpdate form, double gamma) {
  Tensor f = from_vector<double>(c.f, {c.n, c.n});
  sherman_morrison_update(f, c.v, gamma, form);
  return to_vector<double>(f);
}

TEST(MkorFactors, ReferenceFormIsTheInverseOfTheMomentumInverseplusVVt) {
  const SmCase c = sm_case();
  const int64_t n = c.n;
  Matrix p = c.f;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) p[i * n + j] = 0.95 * c.f[i * n + j] + (i == j ? 0.05 : 0.0);
  Matrix target = inverse(p, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) target[i * n + j] += c.v[i] * c.v[j];
  target = inverse(target, n);
  const Matrix got = updated(c, MkorInverseUpdate::reference, 0.95);
  EXPECT_LT(max_rel_diff(got, target), 1e-10);
  EXPECT_LT(max_asymmetry(got, n), 1e-12);
  EXPECT_TRUE(cholesky_ok(got, n));
}

TEST(MkorFactors, ExactFormIsTheInverseOfTheEma) {
  const SmCase c = sm_case();
  const int64_t n = c.n;
  const double gamma = 0.9;
  Matrix ema = c.m;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) ema[i * n + j] = gamma * c.m[i * n + j] + (1 - gamma) * c.v[i] * c.v[j];
  const Matrix target = inverse(ema, n);
  const Matrix got = updated(c, MkorInverseUpdate::exact, gamma);
  EXPECT_LT(max_rel_diff(got, target), 1e-10);
  EXPECT_LT(max_asymmetry(got, n), 1e-12);
  EXPECT_TRUE(cholesky_ok(got, n));
  // and the two forms are different updates
  EXPECT_GT(max_rel_diff(updated(c, MkorInverseUpdate::reference, gamma), target), 1e-3);
}

TEST(MkorFactors, ResetToIdentityOrBlend) {
  Tensor f = from_vector<double>({3, 1, 1, 5}, {2, 2});
  reset_factor(f, MkorResetMode::blend, 0.9);
  EXPECT_EQ(to_vector<double>(f), (std::vector<double>{0.9 * 3 + 0.1, 0.9, 0.9, 0.9 * 5 + 0.1}));
  EXPECT_DOUBLE_EQ(max_abs_entry(f), 0.9 * 5 + 0.1);
  reset_factor(f, MkorResetMode::identity, 0.9);
  EXPECT_EQ(to_vector<double>(f), (std::vector<double>{1, 0, 0, 1}));
}

// (R⁻¹ ⊗ L⁻¹)·vec(G) = vec(L⁻¹ G R⁻¹), vec column-major: the matrix form MKOR computes is the
// Kronecker-factored preconditioner.
TEST(MkorFactors, KroneckerIdentity) {
  const int64_t m = 3, n = 4;  // G: m×n, L: m×m, R: n×n
  uint64_t s = 11;
  auto symmetric = [&](int64_t d) {
    Matrix a(static_cast<size_t>(d * d));
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j <= i; ++j) a[i * d + j] = a[j * d + i] = uniform(s);
    return a;
  };
  const Matrix l = symmetric(m), r = symmetric(n);
  Matrix g(static_cast<size_t>(m * n));
  for (double& x : g) x = uniform(s);
  const Tensor lhs = matmul(matmul(from_vector<double>(l, {m, m}), from_vector<double>(g, {m, n})),
                            from_vector<double>(r, {n, n}));
  const std::vector<double> mat = to_vector<double>(lhs);
  for (int64_t col = 0; col < n; ++col)
    for (int64_t row = 0; row < m; ++row) {
      // entry (col*m + row) of (R ⊗ L) vec(G): Σ_{c,r} R[col][c] L[row][r] G[r][c]
      double k = 0;
      for (int64_t c = 0; c < n; ++c)
        for (int64_t rr = 0; rr < m; ++rr) k += r[col * n + c] * l[row * m + rr] * g[rr * n + c];
      EXPECT_NEAR(k, mat[row * n + col], 1e-12);
    }
}

// A 3 → 4 → 2 MLP with biases and tanh, the test model of the MKOR checks.
class Mlp : public Module {
 public:
  explicit Mlp(DType dtype = DType::f32) {
    fc1 = register_module("fc1", std::make_shared<Linear>(3, 4, true, Init::normal(0.8), dtype, Init::normal(0.3)));
    fc2 = register_module("fc2", std::make_shared<Linear>(4, 2, true, Init::normal(0.8), dtype, Init::normal(0.3)));
    init_parameters(5);
  }
  Variable forward(const Variable& x) const { return fc2->forward(unary(UnaryOp::tanh, fc1->forward(x))); }
  std::shared_ptr<Linear> fc1, fc2;
};

// Per-row loss Σ_j c_j y_j, averaged over the rows: ∂ℓ_row/∂y = c on every row.
const std::vector<double> kLossWeights{0.3, -2.0};

Variable mlp_loss(const Mlp& m, const Tensor& x) {
  const Variable y = m.forward(Variable(x, false));
  const int64_t rows = x.shape()[0];
  const Tensor c = from_vector<double>({kLossWeights[0], kLossWeights[1]}, {1, 2}).to(x.dtype());
  return mul(sum(mul(y, Variable(c.expand({rows, 2}).contiguous(), false))), 1.0 / static_cast<double>(rows));
}

Tensor batch(int64_t rows, uint64_t seed, DType dtype = DType::f32) {
  uint64_t s = seed;
  std::vector<double> v(static_cast<size_t>(rows * 3));
  for (double& x : v) x = 1.5 * uniform(s);
  return from_vector<double>(v, {rows, 3}).to(dtype);
}

MkorOptions options(int64_t factor_every) {
  MkorOptions o;
  o.factor_every = factor_every;
  o.exclude = {};
  return o;
}

std::unique_ptr<Mkor> mkor_adamw(const std::shared_ptr<Mlp>& m, MkorOptions o) {
  auto groups = make_param_groups(m->named_parameters(), 0.1);
  return std::make_unique<Mkor>(groups, std::make_unique<AdamW>(groups), m, std::move(o));
}

void train_step(Optimizer& opt, const Mlp& m, int64_t step) {
  opt.zero_grad();
  mlp_loss(m, batch(6, 100 + static_cast<uint64_t>(step))).backward();
  opt.transform_gradients();
  opt.step(0.01);
}

std::vector<uint32_t> bits(const Module& m) {
  std::vector<uint32_t> out;
  for (const auto& [name, p] : m.named_parameters()) {
    const std::vector<float> v = to_vector<float>(p.data());
    for (float f : v) {
      uint32_t b;
      std::memcpy(&b, &f, 4);
      out.push_back(b);
    }
  }
  return out;
}

TEST(Mkor, RegistersEveryTrainableLinear) {
  auto m = std::make_shared<Mlp>();
  EXPECT_EQ(mkor_adamw(m, options(10))->layer_names(), (std::vector<std::string>{"fc1", "fc2"}));
  MkorOptions o = options(10);
  o.exclude = {"fc2"};
  EXPECT_EQ(mkor_adamw(m, o)->layer_names(), (std::vector<std::string>{"fc1"}));
  o.exclude = {};
  o.exclude_out_features = 2;  // the "vocabulary"
  EXPECT_EQ(mkor_adamw(m, o)->layer_names(), (std::vector<std::string>{"fc1"}));
}

// Factors are I after step 0's factor update and stay so until step f: MKOR's steps are AdamW's, bitwise;
// the first real factor update (step f) changes the trajectory.
TEST(Mkor, IdentityFactorsGiveTheBackbonesStepBitwise) {
  const int64_t f = 4;
  auto a = std::make_shared<Mlp>(), b = std::make_shared<Mlp>();
  std::unique_ptr<Mkor> mkor = mkor_adamw(a, options(f));
  AdamW adamw(make_param_groups(b->named_parameters(), 0.1));
  for (int64_t t = 0; t < f; ++t) {
    train_step(*mkor, *a, t);
    train_step(adamw, *b, t);
    ASSERT_EQ(bits(*a), bits(*b)) << "step " << t;
  }
  EXPECT_EQ(to_vector<float>(mkor->left_inverse(0)), to_vector<float>(identity_matrix(4, DType::f32)));
  train_step(*mkor, *a, f);
  train_step(adamw, *b, f);
  EXPECT_NE(bits(*a), bits(*b));
}

double joint_norm(const Linear& l) {
  auto norm = [](const Tensor& t) {
    double s = 0;
    for (double x : to_vector<double>(t.to(DType::f64))) s += x * x;
    return std::sqrt(s);
  };
  return norm(l.weight().grad()) + norm(l.bias().grad());
}

TEST(Mkor, PreconditioningKeepsTheGradientsNorm) {
  auto m = std::make_shared<Mlp>();
  std::unique_ptr<Mkor> mkor = mkor_adamw(m, options(1));
  train_step(*mkor, *m, 0);  // factors reset to I
  train_step(*mkor, *m, 1);  // first Sherman–Morrison update
  mkor->zero_grad();
  mlp_loss(*m, batch(6, 7)).backward();
  const Tensor raw = m->fc1->weight().grad().clone();
  const double before1 = joint_norm(*m->fc1), before2 = joint_norm(*m->fc2);
  mkor->transform_gradients();
  EXPECT_NEAR(joint_norm(*m->fc1), before1, 1e-6 * before1);
  EXPECT_NEAR(joint_norm(*m->fc2), before2, 1e-6 * before2);
  double moved = 0;  // and the direction did change
  const std::vector<float> r = to_vector<float>(raw), g = to_vector<float>(m->fc1->weight().grad());
  for (size_t k = 0; k < r.size(); ++k) moved = std::max(moved, static_cast<double>(std::abs(r[k] - g[k])));
  EXPECT_GT(moved, 1e-4);
}

// The reference form keeps F's spectrum in (0, 1] from I, so τ = 2 trips only with the exact form: with γ = 0.3
// one update gives F the eigenvalue 1/γ ≈ 3.3 off v. All Rinv update before all Linv, so an Rinv overflow resets
// the layer's Linv in the same step and its Rinv at the next factor step, without a Sherman–Morrison update.
TEST(Mkor, StabiliserResetsBothFactors) {
  for (MkorResetMode mode : {MkorResetMode::identity, MkorResetMode::blend}) {
    auto m = std::make_shared<Mlp>(DType::f64);
    MkorOptions o = options(1);
    o.inverse_update = MkorInverseUpdate::exact;
    o.gamma = 0.3;
    o.reset_mode = mode;
    auto groups = make_param_groups(m->named_parameters(), 0.0);
    Mkor mkor(groups, std::make_unique<Sgd>(groups), m, o);
    auto step = [&](int64_t t) {
      mkor.zero_grad();
      mlp_loss(*m, batch(6, 100 + static_cast<uint64_t>(t), DType::f64)).backward();
      mkor.transform_gradients();
      mkor.step(0.0);
    };
    auto reset = [&](const std::vector<double>& f, int64_t n) {
      Tensor t = from_vector<double>(f, {n, n});
      reset_factor(t, mode, o.reset_zeta);
      return to_vector<double>(t);
    };
    const std::vector<double> eye = to_vector<double>(identity_matrix(4, DType::f64));
    step(0);  // first use: both factors I
    EXPECT_EQ(to_vector<double>(mkor.right_inverse(0)), eye);
    step(1);  // Rinv: Sherman–Morrison, max > 2, both layers flagged; Linv: reset in the same step
    const std::vector<double> r1 = to_vector<double>(mkor.right_inverse(0));
    EXPECT_GT(max_abs_entry(mkor.right_inverse(0)), 2.0);
    EXPECT_EQ(mkor.factor_resets(), 2);
    EXPECT_EQ(to_vector<double>(mkor.left_inverse(0)), reset(eye, 4));
    step(2);  // Rinv: reset, no update; Linv: its flag was cleared, so an update
    EXPECT_EQ(to_vector<double>(mkor.right_inverse(0)), reset(r1, 4));
    EXPECT_NE(to_vector<double>(mkor.left_inverse(0)), reset(eye, 4));
  }
}

// a and g from the hooks against hand-computed means: bias column, clamp at c = 0.5, two micro-batches of
// different sizes, and a loss scale of 1024 (grad_unscale = 2 / 1024).
TEST(Mkor, StatisticsAreTheClampedMeansOverAllRows) {
  auto m = std::make_shared<Mlp>(DType::f64);
  MkorOptions o = options(10);
  o.clipping_value = 0.5;
  o.grad_unscale = 2.0 / 1024;
  auto groups = make_param_groups(m->named_parameters(), 0.0);
  Mkor mkor(groups, std::make_unique<Sgd>(groups), m, o);
  const std::vector<Tensor> micro{batch(5, 1, DType::f64), batch(3, 2, DType::f64)};
  mkor.zero_grad();
  for (const Tensor& x : micro) mul(mlp_loss(*m, x), 1024.0 / 2).backward();
  mkor.transform_gradients();

  const std::vector<double> w1 = to_vector<double>(m->fc1->weight().data()), b1 = to_vector<double>(m->fc1->bias().data());
  const std::vector<double> w2 = to_vector<double>(m->fc2->weight().data());
  auto clamp = [](double x) { return std::clamp(x, -0.5, 0.5); };
  std::vector<double> a1(4, 0), a2(5, 0), g1(4, 0), g2(2, 0);
  double rows = 0;
  for (const Tensor& x : micro) {
    const std::vector<double> xv = to_vector<double>(x);
    for (int64_t r = 0; r < x.shape()[0]; ++r, ++rows) {
      for (int j = 0; j < 3; ++j) a1[j] += clamp(xv[r * 3 + j]);
      a1[3] += clamp(1.0);
      for (int i = 0; i < 4; ++i) {
        double y = b1[i];
        for (int j = 0; j < 3; ++j) y += w1[i * 3 + j] * xv[r * 3 + j];
        const double h = std::tanh(y);
        a2[i] += clamp(h);
        double dh = 0;  // ∂ℓ_row/∂h_i = Σ_k c_k W2[k][i]
        for (int k = 0; k < 2; ++k) dh += kLossWeights[k] * w2[k * 4 + i];
        g1[i] += clamp(dh * (1 - h * h));
      }
      a2[4] += clamp(1.0);
      for (int k = 0; k < 2; ++k) g2[k] += clamp(kLossWeights[k]);
    }
  }
  for (auto* v : {&a1, &a2, &g1, &g2})
    for (double& x : *v) x /= rows;
  auto expect_near = [](const std::vector<double>& got, const std::vector<double>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-12) << what << " " << k;
  };
  expect_near(mkor.activation_mean(0), a1, "a of fc1");
  expect_near(mkor.activation_mean(1), a2, "a of fc2");
  expect_near(mkor.gradient_mean(0), g1, "g of fc1");
  expect_near(mkor.gradient_mean(1), g2, "g of fc2");
  EXPECT_EQ(g2[1], -0.5);  // the clamp was exercised

  // Evaluation forwards (no grad) and non-factor steps add nothing.
  mkor.step(0.0);
  {
    NoGradGuard no_grad;
    m->forward(Variable(batch(4, 9, DType::f64), false));
  }
  mkor.zero_grad();
  mlp_loss(*m, micro[0]).backward();
  mkor.transform_gradients();
  expect_near(mkor.activation_mean(0), a1, "a of fc1 after a non-factor step");
}

TEST(Mkor, HybridSwitchesToTheBackboneWhenTheLossStalls) {
  auto m = std::make_shared<Mlp>();
  MkorOptions o = options(1);
  o.hybrid.enabled = true;
  o.hybrid.window = 3;
  o.hybrid.patience = 2;
  std::unique_ptr<Mkor> mkor = mkor_adamw(m, o);
  // Flat (check at 3 fails), falling ~3 % (check at 6 passes and clears the count), then flat at the EMA's
  // value (checks at 9 and 12 fail): the switch comes at 12, not at 9.
  for (int64_t t = 0; t < 12; ++t) {
    train_step(*mkor, *m, t);
    const int64_t s = t + 1;
    mkor->observe_loss(s <= 3 ? 1.0 : s <= 6 ? 0.5 : 0.970596);
    EXPECT_EQ(mkor->switched(), s >= 12) << "after step " << s;
  }
  EXPECT_EQ(mkor->metrics().back(), (std::pair<std::string, double>{"mkor_switch_step", 12}));
  EXPECT_FALSE(m->fc1->has_hooks());
  mkor->zero_grad();
  mlp_loss(*m, batch(6, 3)).backward();
  const std::vector<float> raw = to_vector<float>(m->fc1->weight().grad());
  mkor->transform_gradients();
  EXPECT_EQ(to_vector<float>(m->fc1->weight().grad()), raw);  // raw gradients from now on
  for (const auto& [name, t] : mkor->state_tensors()) EXPECT_EQ(name.find("/Rinv"), std::string::npos) << name;
}

// Export at step 5, continue to 12; a fresh model and optimizer loaded with the step-5 state make the same
// steps 6..12 bitwise (factor steps, a stabiliser-free reference run, MKOR-H switching at 9 included).
TEST(Mkor, ResumeIsBitwise) {
  MkorOptions o = options(3);
  o.hybrid.enabled = true;
  o.hybrid.switch_step = 9;
  auto a = std::make_shared<Mlp>();
  std::unique_ptr<Mkor> first = mkor_adamw(a, o);
  StateDict weights;
  NamedTensors state;
  for (int64_t t = 0; t < 12; ++t) {
    if (t == 5) {
      for (const auto& [name, w] : a->state_dict()) weights.emplace_back(name, w.clone());
      for (const auto& [name, s] : first->state_tensors()) state.emplace_back(name, s.clone());
    }
    train_step(*first, *a, t);
    first->observe_loss(1.0);
  }
  auto b = std::make_shared<Mlp>();
  b->load_state_dict(weights);
  std::unique_ptr<Mkor> second = mkor_adamw(b, o);
  second->load_state_tensors(state);
  for (int64_t t = 5; t < 12; ++t) {
    train_step(*second, *b, t);
    second->observe_loss(1.0);
  }
  EXPECT_TRUE(second->switched());
  EXPECT_EQ(bits(*a), bits(*b));
}

TEST(Mkor, FactoryWrapsTheBackboneAndLeavesTheHeadOut) {
  ModelConfig mc;
  mc.vocab_size = 11;
  mc.n_layer = 1;
  mc.n_embd = 8;
  mc.n_head = 2;
  mc.block_size = 8;
  mc.tie_embeddings = false;
  auto model = std::make_shared<SequenceModel>(mc);
  OptimConfig oc;
  oc.name = OptimizerKind::mkor;
  oc.mkor.backbone = MkorBackbone::lamb;
  oc.mkor.exclude = {};  // the head still goes: its outputs are vocabulary-sized
  std::unique_ptr<Optimizer> opt = make_optimizer(oc, model, 2);
  auto* mkor = dynamic_cast<Mkor*>(opt.get());
  ASSERT_NE(mkor, nullptr);
  EXPECT_STREQ(mkor->backbone().name(), "LAMB");
  const std::vector<std::string> names = mkor->layer_names();
  EXPECT_FALSE(names.empty());
  for (const std::string& n : names) EXPECT_EQ(n.find("lm_head"), std::string::npos) << n;
  EXPECT_THROW(make_optimizer(oc, model->named_parameters()), Error);
}

TEST(MkorConfig, KeysOfAnOptimizerNotInUseAreRefused) {
  auto error = [](const std::string& yaml) {
    try {
      run_config_from_yaml(yaml, "recipe");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("optim: {name: adamw, mkor: {factor_every: 5}}").find("optim.mkor.factor_every"), std::string::npos);
  EXPECT_NE(error("optim: {name: mkor, lamb: {trust_all: true}}").find("optim.lamb.trust_all"), std::string::npos);
  EXPECT_EQ(error("optim: {name: mkor, mkor: {backbone: lamb, factor_every: 5}, lamb: {trust_all: true}}"), "");
  EXPECT_NE(error("optim: {name: mkor, mkor: {gamma: 1.0}}").find("optim.mkor.gamma"), std::string::npos);
}

}  // namespace
}  // namespace sf
