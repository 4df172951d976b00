// ParaRNN (layers/rnn/pararnn.h): closed-form Jacobians, Newton = sequential, fused backward =
// autograd through the naive loop, gradcheck, float32 parallel = sequential at long L.
#include <gtest/gtest.h>

#include <cstdio>

#include "autograd/gradcheck.h"
#include "layers/rnn/para_cell_math.h"
#include "layers/rnn/pararnn.h"
#include "tests/layers/rnn/reference.h"
#include "tests/layers/test_util.h"

namespace sf {
namespace {

struct Inputs {
  Tensor u, a, cp;
};

Inputs random_inputs(int64_t B, int64_t L, int64_t d, uint64_t seed, double a_scale = 0.5) {
  return {test::randn({B, L, 3, d}, seed), test::randn({3, d}, seed + 1) * a_scale,
          test::randn({2, d}, seed + 2) * a_scale};
}

ParaRnnOptions newton(int64_t iters, double tol) { return {RnnMode::parallel, iters, tol, 8}; }
ParaRnnOptions sequential() { return {RnnMode::sequential, 1, 0.0, 8}; }

Variable run(ParaCellKind kind, const std::vector<Variable>& v, const ParaRnnOptions& o, NewtonStats* s = nullptr) {
  return para_rnn(kind, v[0], v[1], kind == ParaCellKind::lstm ? v[2] : Variable(), o, s);
}

std::vector<Variable> leaves(const Inputs& in) {
  return {Variable(in.u.clone(), true), Variable(in.a.clone(), true), Variable(in.cp.clone(), true)};
}

// The output and the gradients of <R, h> w.r.t. (u, a, cp).
std::vector<Tensor> value_and_grads(ParaCellKind kind, const Inputs& in, const Tensor& R,
                                    const std::function<Variable(const std::vector<Variable>&)>& f) {
  std::vector<Variable> v = leaves(in);
  Variable h = f(v);
  sum(h * Variable(R)).backward();
  std::vector<Tensor> out = {h.data(), v[0].grad(), v[1].grad()};
  if (kind == ParaCellKind::lstm) out.push_back(v[2].grad());
  return out;
}

const ParaCellKind kCells[] = {ParaCellKind::gru, ParaCellKind::lstm};
const char* name(ParaCellKind k) { return k == ParaCellKind::gru ? "ParaGRU" : "ParaLSTM"; }

TEST(ParaCell, JacobiansMatchFiniteDifferences) {
  using namespace para_cell;
  const double e = 1e-6;
  const GruParams<double> g{0.7, -0.4, 0.9};
  double jac = 0;
  gru_step_jac(0.3, 0.2, -0.5, 0.8, g, &jac);
  EXPECT_NEAR(jac, (gru_step(0.3 + e, 0.2, -0.5, 0.8, g) - gru_step(0.3 - e, 0.2, -0.5, 0.8, g)) / (2 * e), 1e-9);
  const LstmParams<double> p{0.6, -0.3, 0.8, 0.5, -0.7};
  double J[4], c, h;
  lstm_step_jac(0.4, -0.2, 0.1, 0.3, -0.6, p, &c, &h, J);
  for (int col = 0; col < 2; ++col) {
    double cp_, hp_, cm_, hm_;
    lstm_step(0.4 + (col == 0 ? e : 0), -0.2 + (col == 1 ? e : 0), 0.1, 0.3, -0.6, p, &cp_, &hp_);
    lstm_step(0.4 - (col == 0 ? e : 0), -0.2 - (col == 1 ? e : 0), 0.1, 0.3, -0.6, p, &cm_, &hm_);
    EXPECT_NEAR(J[col], (cp_ - cm_) / (2 * e), 1e-9) << "row c, col " << col;
    EXPECT_NEAR(J[2 + col], (hp_ - hm_) / (2 * e), 1e-9) << "row h, col " << col;
  }
}

TEST(ParaRnn, NewtonEqualsSequentialFloat64) {
  for (ParaCellKind kind : kCells)
    for (int64_t L : {1, 2, 37, 512}) {
      const Inputs in = random_inputs(2, L, 6, 10 + L);
      std::vector<Variable> v = leaves(in);
      NewtonStats st;
      Tensor par = run(kind, v, newton(10, 1e-13), &st).data();
      Tensor seq = run(kind, v, sequential()).data();
      EXPECT_LE(max_abs_diff(par, seq), 1e-10) << name(kind) << " L=" << L;
      EXPECT_LE(st.residual, 1e-13) << name(kind) << " L=" << L;
      std::printf("%s L=%ld: %ld Newton iterations, residual %.2e\n", name(kind), long(L), long(st.iterations),
                  st.residual);
    }
}

TEST(ParaRnn, NewtonResidualFallsFast) {
  // Newton converges fast (the ParaRNN paper reports machine precision in 3–4 iterations): each
  // iteration cuts the residual, machine precision within 6.
  for (ParaCellKind kind : kCells) {
    const Inputs in = random_inputs(2, 256, 6, 7);
    std::vector<Variable> v = leaves(in);
    double prev = 1e300;
    std::printf("%s L=256 residual:", name(kind));
    for (int64_t k = 0; k <= 6; ++k) {
      NewtonStats st;
      run(kind, v, newton(k, 0.0), &st);
      std::printf(" %.1e", st.residual);
      EXPECT_EQ(st.iterations, k);
      if (prev > 1e-13) {
        EXPECT_LT(st.residual, prev) << name(kind) << " k=" << k;
      }
      prev = st.residual;
    }
    std::printf("\n");
    EXPECT_LE(prev, 1e-12) << name(kind);
  }
}

TEST(ParaRnn, CellLinearInStateConvergesInOneStep) {
  // With a = 0 the ParaGRU is h' = z ⊙ c + (1 − z) ⊙ h with z, c independent of h: linear in h.
  Inputs in = random_inputs(2, 50, 4, 3);
  in.a.zero_();
  NewtonStats st;
  std::vector<Variable> v = leaves(in);
  run(ParaCellKind::gru, v, newton(5, 1e-12), &st);
  EXPECT_EQ(st.iterations, 1);
  EXPECT_LE(st.residual, 1e-12);
}

TEST(ParaRnn, FusedEqualsNaiveLoopWithGradients) {
  for (ParaCellKind kind : kCells)
    for (const ParaRnnOptions& o : {sequential(), newton(12, 1e-14)}) {
      const Inputs in = random_inputs(2, 17, 5, 21);
      const Tensor R = test::randn({2, 17, 5}, 99);
      auto ref = value_and_grads(kind, in, R, [&](const std::vector<Variable>& v) {
        return test::para_rnn_reference(kind, v[0], v[1], v[2]);
      });
      auto got = value_and_grads(kind, in, R, [&](const std::vector<Variable>& v) { return run(kind, v, o); });
      for (size_t i = 0; i < ref.size(); ++i)
        EXPECT_LE(max_abs_diff(got[i], ref[i]), 1e-10) << name(kind) << " mode " << int(o.mode) << " tensor " << i;
    }
}

TEST(ParaRnn, GradcheckFloat64) {
  for (ParaCellKind kind : kCells)
    for (const ParaRnnOptions& o : {sequential(), newton(12, 1e-14)}) {
      const Inputs in = random_inputs(2, 9, 3, 5);
      std::vector<Tensor> inputs = {in.u, in.a};
      if (kind == ParaCellKind::lstm) inputs.push_back(in.cp);
      auto r = gradcheck([&](const std::vector<Variable>& v) { return run(kind, v, o); }, inputs);
      EXPECT_TRUE(r.ok) << name(kind) << ": " << r.report;
    }
}

TEST(ParaRnn, ParallelEqualsSequentialFloat32AtLongLengths) {
  // Random cells at the repo's init scale (a ~ N(0, (2/√(5d))²)), float32, L up to 8192.
  const int64_t d = 16;
  for (ParaCellKind kind : kCells)
    for (int64_t L : {64, 1024, 8192}) {
      Inputs in64 = random_inputs(1, L, d, 40 + L, 2.0 / std::sqrt(5.0 * d));
      const Inputs in = {in64.u.to(DType::f32), in64.a.to(DType::f32), in64.cp.to(DType::f32)};
      const Tensor R = test::randn({1, L, d}, 7, DType::f32);
      NewtonStats st;
      auto seq = value_and_grads(kind, in, R, [&](const std::vector<Variable>& v) { return run(kind, v, sequential()); });
      auto par = value_and_grads(kind, in, R, [&](const std::vector<Variable>& v) {
        return run(kind, v, ParaRnnOptions{RnnMode::parallel, 6, 1e-6, 64}, &st);
      });
      EXPECT_LE(test::scaled_diff(par[0], seq[0]), 1e-5) << name(kind) << " L=" << L;
      for (size_t i = 1; i < seq.size(); ++i) EXPECT_LE(test::scaled_diff(par[i], seq[i]), 1e-4) << name(kind) << " L=" << L << " grad " << i;
      std::printf("%s f32 L=%ld: %ld iterations, residual %.1e, fwd rel %.1e, grad rel (u) %.1e\n", name(kind),
                  long(L), long(st.iterations), st.residual, test::scaled_diff(par[0], seq[0]), test::scaled_diff(par[1], seq[1]));
    }
}

TEST(ParaRnn, StepEqualsSequence) {
  for (ParaCellKind kind : kCells) {
    const Inputs in = random_inputs(3, 11, 4, 8);
    Tensor h = para_rnn(kind, Variable(in.u), Variable(in.a), Variable(in.cp), sequential()).data();
    Tensor state = kind == ParaCellKind::gru ? zeros({3, 4}, DType::f64) : zeros({3, 2, 4}, DType::f64);
    for (int64_t l = 0; l < 11; ++l) {
      Tensor y = para_rnn_step(kind, in.u.select(1, l), in.a, in.cp, state);
      EXPECT_LE(max_abs_diff(y, h.select(1, l)), 1e-14) << name(kind) << " l=" << l;
    }
  }
}

}  // namespace
}  // namespace sf
