// The structured GLU MLPs of M2 (layers/mlp.h: blockdiag_glu, monarch_glu) against the dense GLU built
// from the matrices their weights stand for, their parameter counts, and a tiny model with each that
// learns. (Gradchecks: Mlp.GradcheckEveryKind in test_layers.cpp.)
#include <gtest/gtest.h>

#include "autograd/functions.h"
#include "layers/m2/monarch.h"
#include "layers/mlp.h"
#include "layers/sequence_model.h"
#include "optim/adamw.h"
#include "test_util.h"

namespace sf {
namespace {

ModelConfig glu_config(MlpKind kind) {
  ModelConfig c = test::tiny_config();
  c.n_embd = 16;  // = 4², so monarch_glu applies
  c.bias = true;
  c.mlp = kind;
  return c;
}

// GELU(x W_gᵀ[:, :F]) ⊙ (x W_gᵀ[:, F:]) W_oᵀ + b with dense W_g (2F, D), W_o (D, F).
Tensor dense_glu(const Tensor& x, const Tensor& Wg, const Tensor& Wo, const Tensor& bias) {
  const int64_t F = Wo.size(1);
  const Tensor h = matmul(x, Wg, false, true);
  const Tensor a = gelu(Variable(h.narrow(-1, 0, F).contiguous())).data() * h.narrow(-1, F, F);
  return matmul(a, Wo, false, true) + bias;
}

Tensor block_diagonal(const Tensor& blocks) {  // (k, r, c) -> (k·r, k·c)
  const int64_t k = blocks.size(0), r = blocks.size(1), c = blocks.size(2);
  Tensor d = zeros({k * r, k * c}, DType::f64);
  for (int64_t i = 0; i < k; ++i) d.narrow(0, i * r, r).narrow(1, i * c, c).copy_(blocks.select(0, i));
  return d;
}

// Our rectangular Monarch (layers/m2/monarch.h): square maps (monarch_dense of each) side by side along
// the wider dimension; left and right are (maps, b, b, b).
Tensor monarch_stack(const Tensor& left, const Tensor& right, int64_t in, int64_t out) {
  const int64_t n = std::min(in, out);
  Tensor W = zeros({out, in}, DType::f64);
  for (int64_t i = 0; i < left.size(0); ++i) {
    const Tensor M = monarch_dense(left.select(0, i), right.select(0, i), false);
    (out > in ? W.narrow(0, i * n, n) : W.narrow(1, i * n, n)).copy_(M);
  }
  return W;
}

Tensor parameter_data(const Module& m, const std::string& name) { return test::parameter(m, name).data(); }

TEST(GluMlp, BlockdiagEqualsTheDenseGluOfItsBlockDiagonalMatrices) {
  ModelConfig c = glu_config(MlpKind::blockdiag_glu);
  Mlp mlp(c, DType::f64);
  mlp.init_parameters(1);
  const Tensor x = test::randn({2, 5, 16}, 2);
  const Tensor want = dense_glu(x, block_diagonal(parameter_data(mlp, "gate.weight")),
                                block_diagonal(parameter_data(mlp, "out.weight")), parameter_data(mlp, "out.bias"));
  const double err = max_abs_diff(mlp.forward(Variable(x)).data(), want);
  EXPECT_LT(err, 1e-12);
  std::printf("  blockdiag_glu: max |mlp - dense GLU| %.2e\n", err);
}

TEST(GluMlp, MonarchEqualsTheDenseGluOfItsMonarchMaps) {
  ModelConfig c = glu_config(MlpKind::monarch_glu);
  Mlp mlp(c, DType::f64);
  mlp.init_parameters(3);
  const Tensor x = test::randn({2, 5, 16}, 4);
  const int64_t D = 16, F = 64;
  const Tensor Wg = monarch_stack(parameter_data(mlp, "gate.left"), parameter_data(mlp, "gate.right"), D, 2 * F);
  const Tensor Wo = monarch_stack(parameter_data(mlp, "out.left"), parameter_data(mlp, "out.right"), F, D);
  const double err = max_abs_diff(mlp.forward(Variable(x)).data(), dense_glu(x, Wg, Wo, parameter_data(mlp, "out.bias")));
  EXPECT_LT(err, 1e-12);
  std::printf("  monarch_glu: max |mlp - dense GLU| %.2e\n", err);
}

// D = 16, F = 64: a dense GLU has 3·F·D = 3072 weights; block-diagonal with k blocks 3·F·D/k; Monarch
// 2F/D + F/D = 12 maps of 2·D^{3/2} = 128 weights. Plus the output bias (16).
TEST(GluMlp, ParameterCounts) {
  ModelConfig c = glu_config(MlpKind::blockdiag_glu);
  EXPECT_EQ(Mlp(c).num_parameters(), 3072 / 4 + 16);
  c.mlp_blocks = 2;
  EXPECT_EQ(Mlp(c).num_parameters(), 3072 / 2 + 16);
  c.mlp = MlpKind::monarch_glu;
  EXPECT_EQ(Mlp(c).num_parameters(), 12 * 128 + 16);
  c.bias = false;
  EXPECT_EQ(Mlp(c).num_parameters(), 12 * 128);
}

// A tiny model with each structured MLP fits a fixed batch: the loss falls within 30 AdamW steps.
TEST(GluMlp, TinyModelLearnsWithEachKind) {
  for (MlpKind kind : {MlpKind::blockdiag_glu, MlpKind::monarch_glu}) {
    SCOPED_TRACE(enum_names(kind)[static_cast<int>(kind)]);
    ModelConfig c = glu_config(kind);
    c.block_size = 16;
    c.vocab_size = 11;
    SequenceModel m(c);
    m.init_parameters(5);
    AdamW opt(make_param_groups(m.named_parameters(), 0.0));
    const Tensor tokens = test::random_tokens(4, 16, 11, 6), targets = test::random_tokens(4, 16, 11, 7);
    std::vector<double> losses;
    for (int64_t step = 0; step < 30; ++step) {
      m.set_rng_step(1, step);
      opt.zero_grad();
      Variable loss = m.loss(tokens, targets);
      loss.backward();
      opt.step(1e-2);
      losses.push_back(loss.data().to(DType::f64).item<double>());
    }
    EXPECT_LT(losses.back(), losses.front() - 0.5) << "first " << losses.front() << ", last " << losses.back();
    std::printf("  %s: loss %.3f -> %.3f in 30 steps\n", std::string(enum_names(kind)[static_cast<int>(kind)]).c_str(),
                losses.front(), losses.back());
  }
}

}  // namespace
}  // namespace sf
