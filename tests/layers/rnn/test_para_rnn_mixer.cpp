// The ParaGRU / ParaLSTM mixers: initial memory, parallel mode = sequential mode (and step), the
// clamp, registry; then the paper's gated block (model.rnn.block = gated, ParaRNN App. C.1): its
// parameter layout, parallel = sequential in float32, step with d_conv 1 and 4, and the learned
// residual scale of the block around it. Gradcheck and causality of both forms in both modes are in
// tests/layers/contract/ (the mixer contract).
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "layers/registry.h"
#include "layers/rnn/para_rnn_mixer.h"
#include "layers/transformer_block.h"
#include "tests/layers/test_util.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

ModelConfig tiny(RnnMode mode) {
  ModelConfig c;
  c.n_embd = 8;
  c.section<RnnConfig>().heads = 2;
  c.section<RnnConfig>().mode = mode;
  c.section<RnnConfig>().max_newton_iters = 12;
  c.section<RnnConfig>().tol = 1e-14;
  c.section<RnnConfig>().chunk = 4;
  return c;
}

// tiny() in the paper's block with the skip-path scale, as configs/model/rnn/para*_block_synthetic.
ModelConfig gated(RnnMode mode, int64_t width = 8) {
  ModelConfig c = tiny(mode);
  c.n_embd = width;
  c.n_layer = 1;
  c.n_head = 1;
  c.norm = NormKind::rmsnorm;
  c.mlp = MlpKind::none;
  c.residual_scale = true;
  c.section<RnnConfig>().block = RnnBlock::gated;
  c.section<RnnConfig>().d_conv = 3;
  return c;
}

const ParaCellKind kCells[] = {ParaCellKind::gru, ParaCellKind::lstm};
const char* name(ParaCellKind k) { return k == ParaCellKind::gru ? "ParaGRU" : "ParaLSTM"; }

// y = m(x) and the gradients of <R, y> w.r.t. x and every parameter (test::leaves_of order).
std::vector<Tensor> value_and_grads(ParaRnnMixer& m, const Tensor& x, const Tensor& R) {
  Variable xv(x.clone(), true);
  Variable y = m.forward(xv);
  sum(y * Variable(R)).backward();
  std::vector<Tensor> out = {y.data()};
  for (const Variable& leaf : test::leaves_of(m, xv)) out.push_back(leaf.grad());
  return out;
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
    test::expect_steps_match(m, x, seq, 1e-13);
  }
}

TEST(ParaRnnMixer, ClampBoundsRecurrentWeights) {
  ModelConfig c = tiny(RnnMode::sequential);
  c.section<RnnConfig>().a_clamp = 0.1;
  ParaRnnMixer clamped(ParaCellKind::gru, c, DType::f64);
  c.section<RnnConfig>().a_clamp = 0.0;
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
  c.section<RnnConfig>().heads = 3;
  EXPECT_CONTAINS(test::error_of([&] { make_mixer("paragru", c, 0); }), "model.rnn.heads");
}

TEST(ParaRnnBlock, GatedFormAddsProjectionsConvAndNormAroundTheCell) {
  ModelConfig c = gated(RnnMode::parallel, 64);
  c.section<RnnConfig>().heads = 4;
  c.section<RnnConfig>().d_conv = 4;
  const int64_t D = 64, K = 4, cell = 4 * 16 * 3 * 16 + 3 * D + 3 * D;  // w_in, b, a
  ParaRnnMixer gru(ParaCellKind::gru, c, DType::f64);
  EXPECT_EQ(test::names_of(gru), (std::vector<std::string>{"in_proj.weight", "conv_weight", "conv_bias", "w_in", "b",
                                                           "a", "out_norm.weight", "out_proj.weight"}));
  EXPECT_EQ(gru.num_parameters(), 2 * D * D + D * K + D + cell + D + D * D);
  ParaRnnMixer lstm(ParaCellKind::lstm, c, DType::f64);
  EXPECT_EQ(lstm.num_parameters(), gru.num_parameters() + 2 * D);  // peepholes
  c.section<RnnConfig>().block = RnnBlock::cell;
  EXPECT_EQ(test::names_of(ParaRnnMixer(ParaCellKind::gru, c)), (std::vector<std::string>{"w_in", "b", "a"}));
}

// The recipe's Newton settings (6 iterations, tol 1e-6) at the recipe's length in float32.
TEST(ParaRnnBlock, ParallelEqualsSequentialFloat32) {
  for (ParaCellKind kind : kCells) {
    ModelConfig c = gated(RnnMode::parallel, 16);
    c.section<RnnConfig>().heads = 4;
    c.section<RnnConfig>().d_conv = 4;
    c.section<RnnConfig>().max_newton_iters = 6;
    c.section<RnnConfig>().tol = 1e-6;
    c.section<RnnConfig>().chunk = 64;
    ParaRnnMixer par(kind, c);
    c.section<RnnConfig>().mode = RnnMode::sequential;
    ParaRnnMixer seq(kind, c);
    par.init_parameters(5);
    seq.init_parameters(5);
    const Tensor x = test::randn({2, 100, 16}, 6, DType::f32), R = test::randn({2, 100, 16}, 7, DType::f32);
    const std::vector<Tensor> p = value_and_grads(par, x, R), s = value_and_grads(seq, x, R);
    EXPECT_LE(test::scaled_diff(p[0], s[0]), 1e-5) << name(kind);
    for (size_t i = 1; i < s.size(); ++i) EXPECT_LE(test::scaled_diff(p[i], s[i]), 1e-4) << name(kind) << " grad " << i;
  }
}

TEST(ParaRnnBlock, StepEqualsForward) {
  for (ParaCellKind kind : kCells)
    for (int64_t d_conv : {1, 4}) {
      SCOPED_TRACE(std::string(name(kind)) + " d_conv " + std::to_string(d_conv));
      ModelConfig c = gated(RnnMode::parallel);
      c.section<RnnConfig>().d_conv = d_conv;
      ParaRnnMixer m(kind, c, DType::f64);
      m.init_parameters(9);
      const Tensor x = test::randn({2, 13, 8}, 10);
      test::expect_steps_match(m, x, m.forward(Variable(x)).data(), 1e-12);
    }
}

// model.residual_scale: out = s ⊙ x + Mixer(Norm(x)) with s learned, starting at 1.
TEST(ParaRnnBlock, ResidualScaleIsLearned) {
  TransformerBlock block(gated(RnnMode::parallel), 0, DType::f64);
  block.init_parameters(11);
  Variable s = test::parameter(block, "residual_scale");
  ASSERT_TRUE(s.defined());
  EXPECT_EQ(s.shape(), Shape({8}));
  EXPECT_EQ(amin(s.data()).item<double>(), 1.0);
  EXPECT_EQ(amax(s.data()).item<double>(), 1.0);

  const Tensor x = test::randn({2, 9, 8}, 12);
  const Tensor y = block.forward(Variable(x)).data();
  s.mutable_data().fill_(3.0);  // the skip path is scaled, nothing else moves
  EXPECT_LE(max_abs_diff(block.forward(Variable(x)).data(), y + x * 2.0), 1e-12);

  sum(block.forward(Variable(x)) * Variable(test::randn({2, 9, 8}, 13))).backward();
  EXPECT_GT(amax(unary(UnaryOp::abs, s.grad())).item<double>(), 1e-3);
  test::randomise(block, 14);
  GradcheckResult r = gradcheck([&] { return block.forward(Variable(x)); }, block.parameters());
  EXPECT_TRUE(r.ok) << r.report;

  ModelConfig off = gated(RnnMode::parallel);
  off.residual_scale = false;
  for (const std::string& n : test::names_of(TransformerBlock(off, 0)))
    EXPECT_EQ(n.find("residual_scale"), std::string::npos) << n;
}

}  // namespace
}  // namespace sf
