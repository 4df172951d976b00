// The ParaGRU / ParaLSTM mixers: gradcheck w.r.t. every parameter and the input, parallel mode =
// sequential mode, step = forward, causality, registry.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "layers/registry.h"
#include "layers/rnn/para_rnn_mixer.h"
#include "tests/layers/test_util.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

ModelConfig tiny(RnnMode mode) {
  ModelConfig c;
  c.n_embd = 8;
  c.rnn.heads = 2;
  c.rnn.mode = mode;
  c.rnn.max_newton_iters = 12;
  c.rnn.tol = 1e-14;
  c.rnn.chunk = 4;
  return c;
}

const ParaCellKind kCells[] = {ParaCellKind::gru, ParaCellKind::lstm};

TEST(ParaRnnMixer, GradcheckParametersAndInput) {
  ModelConfig c = tiny(RnnMode::parallel);
  c.n_embd = 4;
  for (ParaCellKind kind : kCells) {
    ParaRnnMixer m(kind, c, DType::f64);
    test::randomise(m, 3);
    const Tensor x = test::randn({2, 5, 4}, 4);
    auto r = gradcheck([&] { return m.forward(Variable(x)); }, m.parameters());
    EXPECT_TRUE(r.ok) << r.report;
    auto rx = gradcheck([&](const std::vector<Variable>& v) { return m.forward(v[0]); }, {x});
    EXPECT_TRUE(rx.ok) << rx.report;
  }
}

// The initial update rates keep information for long-range tasks (Keep-nth at L = 100): a change of
// the first input still moves the output 99 steps later by a fair part of its immediate effect.
TEST(ParaRnnMixer, InitialisationRemembersAHundredSteps) {
  ModelConfig c = tiny(RnnMode::sequential);
  for (ParaCellKind kind : kCells) {
    ParaRnnMixer m(kind, c, DType::f64);
    m.init_parameters(1);
    Tensor x = zeros({1, 100, 8}, DType::f64);
    x.narrow(1, 0, 1).copy_(test::randn({1, 1, 8}, 2));
    Tensor x2 = x.clone();
    x2.narrow(1, 0, 1).copy_(x.narrow(1, 0, 1) + 1.0);
    const Tensor d = m.forward(Variable(x2)).data() - m.forward(Variable(x)).data();
    const double first = amax(unary(UnaryOp::abs, d.select(1, 0))).item<double>();
    const double last = amax(unary(UnaryOp::abs, d.select(1, 99))).item<double>();
    EXPECT_GT(first, 0.0);
    EXPECT_GE(last, 0.05 * first) << (kind == ParaCellKind::gru ? "gru" : "lstm");
  }
}

TEST(ParaRnnMixer, ModesAgreeAndStepEqualsForward) {
  for (ParaCellKind kind : kCells) {
    ParaRnnMixer m(kind, tiny(RnnMode::parallel), DType::f64);
    m.init_parameters(5);
    const Tensor x = test::randn({2, 37, 8}, 6);
    const Tensor par = m.forward(Variable(x)).data();
    EXPECT_LE(m.last_stats().residual, 1e-14);
    ParaRnnOptions o = m.options();
    o.mode = RnnMode::sequential;
    m.set_options(o);
    const Tensor seq = m.forward(Variable(x)).data();
    EXPECT_LE(max_abs_diff(par, seq), 1e-10);
    std::vector<Tensor> state;
    for (int64_t t = 0; t < 37; ++t)
      EXPECT_LE(max_abs_diff(m.step(x.select(1, t).contiguous(), state), seq.select(1, t)), 1e-13) << t;
  }
}

TEST(ParaRnnMixer, Causal) {
  for (ParaCellKind kind : kCells) {
    ParaRnnMixer m(kind, tiny(RnnMode::parallel), DType::f64);
    m.init_parameters(7);
    const Tensor x = test::randn({1, 20, 8}, 8);
    Tensor x2 = x.clone();
    x2.select(1, 11).copy_(test::randn({1, 8}, 9));
    const Tensor y = m.forward(Variable(x)).data(), y2 = m.forward(Variable(x2)).data();
    EXPECT_LE(max_abs_diff(y.narrow(1, 0, 11), y2.narrow(1, 0, 11)), 1e-12);
    EXPECT_GT(max_abs_diff(y.narrow(1, 11, 9), y2.narrow(1, 11, 9)), 1e-6);
  }
}

TEST(ParaRnnMixer, ClampBoundsRecurrentWeights) {
  ModelConfig c = tiny(RnnMode::sequential);
  c.rnn.a_clamp = 0.1;
  ParaRnnMixer clamped(ParaCellKind::gru, c, DType::f64);
  c.rnn.a_clamp = 0.0;
  ParaRnnMixer reference(ParaCellKind::gru, c, DType::f64);
  for (auto* m : {&clamped, &reference}) {
    m->init_parameters(1);
    test::parameter(*m, "a").mutable_data().fill_(5.0);
  }
  test::parameter(reference, "a").mutable_data().fill_(0.1);
  const Tensor x = test::randn({1, 5, 8}, 2);
  EXPECT_LE(max_abs_diff(clamped.forward(Variable(x)).data(), reference.forward(Variable(x)).data()), 1e-15);
}

TEST(ParaRnnMixer, RegisteredAndHeadsChecked) {
  ModelConfig c = tiny(RnnMode::parallel);
  for (const char* name : {"paragru", "paralstm", "lstm", "gru"}) EXPECT_NO_THROW(make_mixer(name, c, 0));
  c.rnn.heads = 3;
  EXPECT_CONTAINS(test::error_of([&] { make_mixer("paragru", c, 0); }), "model.rnn.heads");
}

}  // namespace
}  // namespace sf
